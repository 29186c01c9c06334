package io.nexusai.e2e;

import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.nexusai.testsupport.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The admin console driven in a real headless Chromium (Debian's, via Selenium), against the whole stack and the mock
 * provider, as an operator would: sign in, add a provider, add an alias with two weighted deployments, create a tenant
 * and a key, call the gateway with that key, see the request in the usage chart, apply a YAML after its dry run,
 * revoke the key and see the gateway refuse it. A screenshot of each page goes to {@code target/console-screenshots}.
 * The browser's console must show no Content-Security-Policy violation and no error on any page.
 */
@Order(30)
class ConsoleIT {
    private static final Path SHOTS = Path.of(System.getProperty("nexus.e2e.logs", "target/e2e-logs")).resolveSibling("console-screenshots");
    private static ChromeDriver browser;
    private static WebDriverWait wait;
    private static String console;

    @BeforeAll
    static void startBrowser() throws Exception {
        Chromium.ensureInstalled();
        E2eStack stack = E2eStack.get();
        console = stack.url("admin");
        Files.createDirectories(SHOTS);
        Path profile = Files.createTempDirectory("console-it-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Chromium.BROWSER.toFile());
        options.addArguments(Chromium.flags(profile));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // the driver binary is given: Selenium Manager never runs, nothing is downloaded
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Chromium.DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anOperatorSetsUpAndRunsTheGatewayFromTheConsole() throws Exception {
        E2eStack stack = E2eStack.get();
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String provider = "console-mock-" + suffix;
        String alias = "console-gpt-" + suffix;
        String tenant = "console-" + suffix;

        // sign in: no session → the sign-in page
        browser.get(console + "/console/providers");
        wait.until(ExpectedConditions.urlContains("/console/sign-in"));
        shot("01-sign-in");
        browser.findElement(By.id("admin_key")).sendKeys(E2eStack.ADMIN_KEY);
        submit(By.id("sign-in"));
        wait.until(ExpectedConditions.urlContains("/console/providers"));
        assertThat(browser.getPageSource()).doesNotContain(E2eStack.ADMIN_KEY);
        assertThat(browser.manage().getCookies()).allSatisfy(c -> {
            assertThat(c.getValue()).doesNotContain(E2eStack.ADMIN_KEY);
            assertThat(c.isHttpOnly()).isTrue();
        });
        // nothing of the key in the browser's storage either
        Object storage = ((JavascriptExecutor) browser).executeScript(
                "return JSON.stringify(window.localStorage) + JSON.stringify(window.sessionStorage) + document.cookie;");
        assertThat(String.valueOf(storage)).doesNotContain(E2eStack.ADMIN_KEY).doesNotContain("nexus_console=");

        // a provider: the mock, speaking OpenAI's API; its key is shown masked afterwards
        fill("new-provider", "name", provider);
        new Select(browser.findElement(By.cssSelector("#new-provider [name='kind']"))).selectByVisibleText("openai");
        fill("new-provider", "endpoint", stack.mockEndpoint());
        fill("new-provider", "api_key", E2eStack.MOCK_API_KEY);
        fill("new-provider", "rate_limit", "0");
        submit(By.id("create-provider"));
        WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-provider='" + provider + "']")));
        assertThat(browser.findElement(By.id("message")).getText()).isEqualTo("Provider added.");
        assertThat(row.getText()).contains(stack.mockEndpoint()).contains("enabled").doesNotContain(E2eStack.MOCK_API_KEY);
        assertThat(browser.getPageSource()).doesNotContain(E2eStack.MOCK_API_KEY);

        // an alias with two weighted deployments (70/30) in one priority tier
        browser.get(console + "/console/routes");
        addDeployment(alias, provider, "gpt-4o-mini", "70");
        addDeployment(alias, provider, "gpt-4o", "30");
        WebElement section = browser.findElement(By.cssSelector("section[data-alias='" + alias + "']"));
        assertThat(section.findElements(By.cssSelector("svg.split rect"))).hasSize(2);
        assertThat(section.findElements(By.cssSelector("tr[data-route]"))).hasSize(2);
        assertThat(section.findElement(By.cssSelector("ul.legend")).getText()).contains("gpt-4o-mini 70%").contains("gpt-4o 30%");
        shot("03-routes");

        // a tenant and a key: the secret is shown once, with a copy button
        browser.get(console + "/console/tenants");
        fill("new-tenant", "id", tenant);
        fill("new-tenant", "name", "Console <b>Corp</b>");
        submit(By.id("create-tenant"));
        wait.until(ExpectedConditions.urlContains("/console/tenants/" + tenant));
        assertThat(browser.findElement(By.cssSelector("h1 .tenant-name")).getText()).isEqualTo("Console <b>Corp</b>");
        fill("new-key", "name", "console-app");
        submit(By.id("create-key"));
        String key = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("new-secret"))).getDomProperty("value");
        assertThat(key).startsWith("nx-app-");
        // the Copy button puts it on the clipboard (console.js; the page allows no inline script)
        browser.executeCdpCommand("Browser.grantPermissions", Map.of("origin", console,
                "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        browser.findElement(By.id("copy-secret")).click();
        wait.until(ExpectedConditions.textToBe(By.id("copy-secret"), "Copied"));
        Object clipboard = ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('error: ' + e));");
        assertThat(clipboard).isEqualTo(key);
        shot("04-tenant-key");
        // the secret is on that answer only: the tenant's page shows the hint
        browser.get(console + "/console/tenants/" + tenant);
        assertThat(browser.getPageSource()).doesNotContain(key);
        shot("04b-tenant");

        // the gateway serves the new alias with the new key
        ChatCompletion answer = Fixtures.awaitRoute(() -> Fixtures.openAi(key).chat().completions()
                .create(ChatCompletionCreateParams.builder().model(alias).addUserMessage("Hello from the console test").build()));
        assertThat(answer.choices()).hasSize(1);

        // the request appears in the usage chart of the tenant
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            browser.get(console + "/console/usage?tenant=" + tenant + "&group_by=hour&days=1");
            assertThat(browser.findElement(By.cssSelector("#chart-requests .total")).getText()).isEqualTo("1");
        });
        assertThat(browser.findElements(By.cssSelector("#chart-requests rect.bar"))).isNotEmpty();
        assertThat(browser.findElement(By.id("allocation")).getText()).contains(tenant).contains(alias);
        shot("05-usage");
        // its CSV export (the link of the page, fetched with the browser's session)
        String csvLink = browser.findElement(By.id("csv")).getDomAttribute("href");
        String csv = io.restassured.RestAssured.given().cookie("nexus_console", browser.manage().getCookieNamed("nexus_console").getValue())
                .get(console + csvLink).then().statusCode(200).extract().asString();
        assertThat(csv.lines().findFirst()).hasValue("start,requests,prompt_tokens,completion_tokens,total_tokens,cost");
        assertThat(csv.lines().skip(1).toList()).singleElement().satisfies(line -> assertThat(line.split(",")[1]).isEqualTo("1"));

        // the provider's health, from the gateways' reports
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            browser.get(console + "/console/providers");
            assertThat(browser.findElement(By.cssSelector("tr[data-provider='" + provider + "']")).getText()).contains("healthy");
        });
        shot("02-providers");

        // apply a YAML file: dry run first (htmx swaps the diff into the page), then apply
        String applied = "console-applied-" + suffix;
        String yaml = """
                - name: "%s"
                  endpoint: "%s"
                  api_key: "%s"
                  models:
                    - alias: "%s-alias"
                      real_name: "gpt-4o-mini"
                      region_weights:
                        eastus: 60
                        westus: 40
                """.formatted(applied, stack.mockEndpoint(), E2eStack.MOCK_API_KEY, applied);
        browser.get(console + "/console/apply");
        // uploaded: the page reads the file into its text field
        Path file = Files.writeString(Files.createTempFile("console-apply", ".yaml"), yaml);
        browser.findElement(By.id("yaml-file")).sendKeys(file.toAbsolutePath().toString());
        wait.until(d -> String.valueOf(d.findElement(By.id("yaml")).getDomProperty("value")).contains(applied));
        browser.findElement(By.id("dry-run")).click();
        WebElement diff = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("diff")));
        assertThat(browser.getCurrentUrl()).as("the dry run came back through htmx").endsWith("/console/apply");
        assertThat(browser.findElement(By.cssSelector("#result h2")).getText()).startsWith("Dry run");
        assertThat(diff.findElements(By.cssSelector("tr.change-create")).stream().map(WebElement::getText).toList())
                .anySatisfy(t -> assertThat(t).contains(applied));
        // without prune, what the file omits (the provider made above) is kept
        assertThat(diff.findElements(By.cssSelector("tr.change-delete.kept")).stream().map(WebElement::getText).toList())
                .anySatisfy(t -> assertThat(t).contains(provider));
        assertThat(browser.findElement(By.id("summary")).getText()).contains("delete 0");
        Fixtures.admin().get("/admin/v1/providers").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(applied)));
        shot("06-apply-dry-run");
        submit(By.id("apply"));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#result h2"), "Applied"));
        shot("07-apply-applied");
        Fixtures.admin().get("/admin/v1/providers").then().statusCode(200)
                .body("name", org.hamcrest.Matchers.hasItems(applied, provider));

        // revoke the key: the gateway refuses it
        browser.get(console + "/console/tenants/" + tenant);
        submit(By.cssSelector("tr[data-key-name='console-app'] form[action$='/revoke'] button"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Key revoked"));
        assertThat(browser.findElement(By.cssSelector("tr[data-key-name='console-app']")).getText()).contains("revoked");
        shot("08-key-revoked");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThatThrownBy(() -> Fixtures.openAi(key).chat().completions()
                        .create(ChatCompletionCreateParams.builder().model(alias).addUserMessage("still there?").build()))
                        .isInstanceOf(UnauthorizedException.class));

        // the gateway's refusals of the revoked key are on the anomalies page
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            browser.get(console + "/console/anomalies?type=auth_failure");
            assertThat(browser.findElement(By.id("anomalies")).getText()).contains("auth_failure");
        });
        shot("10-anomalies");

        // the audit log shows the console's writes
        browser.get(console + "/console/audit?object_type=key");
        assertThat(browser.findElement(By.id("audit")).getText()).contains("revoke");
        shot("09-audit");

        // sign out: the pages are closed again
        submit(By.id("sign-out"));
        wait.until(ExpectedConditions.urlContains("/console/sign-in"));
        browser.get(console + "/console/tenants");
        wait.until(ExpectedConditions.urlContains("/console/sign-in"));

        // no page broke the Content-Security-Policy (an inline script or style would) or threw
        List<LogEntry> entries = browser.manage().logs().get(LogType.BROWSER).getAll();
        assertThat(entries).noneSatisfy(e -> assertThat(e.getMessage()).containsIgnoringCase("Content Security Policy"));
        assertThat(entries).noneSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.SEVERE));
    }

    private static void addDeployment(String alias, String provider, String realModel, String weight) {
        fill("new-route", "model_alias", alias);
        new Select(browser.findElement(By.cssSelector("#new-route [name='provider_id']"))).selectByVisibleText(provider);
        fill("new-route", "real_model_name", realModel);
        fill("new-route", "weight", weight);
        submit(By.id("create-route"));
        wait.until(ExpectedConditions.textToBe(By.id("message"), "Deployment added."));
    }

    private static void fill(String form, String field, String value) {
        WebElement input = browser.findElement(By.cssSelector("#" + form + " [name='" + field + "']"));
        input.clear();
        input.sendKeys(value);
    }

    /** Clicks a submit button and waits for the page it leads to. */
    private static void submit(By button) {
        WebElement page = browser.findElement(By.tagName("html"));
        browser.findElement(button).click();
        wait.until(d -> gone(page));
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    /**
     * Whether the page an element belongs to has been replaced. Besides the stale-element answer that
     * {@code ExpectedConditions.stalenessOf} waits for, ChromeDriver sometimes answers a node caught mid-navigation
     * with an inspector error ("Node with given id does not belong to the document"): the same fact, reported
     * otherwise.
     */
    private static boolean gone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return true;
        } catch (org.openqa.selenium.WebDriverException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    /** A screenshot of the whole page (the viewport made as tall as the page for it). */
    private static void shot(String name) throws Exception {
        Object height = ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight");
        int h = Math.max(600, Math.min(4000, ((Number) height).intValue()));
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 1400, "height", h, "deviceScaleFactor", 1, "mobile", false));
        try {
            Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(png, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }
}
