package io.nexusai.admin;

import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.RedirectConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.nexusai.admin.AdminTestSupport.ADMIN_KEY;
import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's Apply page as a browser posts it: a dry run writes nothing and shows the diff, applying it writes it; without the prune box what the file omits is kept, with it deleted; a broken
 * document is a message on the page (400), not an error page. Also the usage CSV when metering-service is not there.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class ConsoleApplyTest {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private static RequestSpecification browser() {
        return given().config(RestAssuredConfig.config().redirect(RedirectConfig.redirectConfig().followRedirects(false)));
    }

    private static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** Signs in; returns the session cookie and the page's CSRF token. */
    private static String[] signIn() {
        Response form = browser().get("/console/sign-in");
        String cookie = browser().cookie("nexus_console_sign_in", form.getCookie("nexus_console_sign_in"))
                .formParam("_csrf", csrf(form.asString())).formParam("admin_key", ADMIN_KEY).post("/console/sign-in")
                .then().statusCode(303).extract().cookie("nexus_console");
        String token = csrf(browser().cookie("nexus_console", cookie).get("/console/apply").then().statusCode(200).extract().asString());
        return new String[]{cookie, token};
    }

    private static List<String> providers() {
        return admin().get("/admin/v1/providers").then().statusCode(200).extract().jsonPath().getList("name");
    }

    /** A document larger than a form field's default limit (2 KB): a comment pads it. */
    private static String yaml(String name) {
        return "# " + "padding ".repeat(1000) + "\n" + """
                - name: "%s"
                  endpoint: "http://127.0.0.1:18090/v1"
                  api_key: "sk-console-apply-0042"
                  models:
                    - alias: "%s-alias"
                      real_name: "gpt-4o-mini"
                """.formatted(name, name);
    }

    @Test
    void aDryRunWritesNothingThenApplyWritesAndPruneIsOffUnlessTicked() {
        String[] s = signIn();
        String kept = unique("console-kept");
        String uploaded = unique("console-upload");
        admin().body(java.util.Map.of("name", kept, "endpoint", "http://127.0.0.1:18090/v1", "api_key", "sk-kept-0001"))
                .post("/admin/v1/providers").then().statusCode(201);

        Response dry = browser().cookie("nexus_console", s[0]).formParam("_csrf", s[1]).formParam("yaml", yaml(uploaded))
                .post("/console/apply/dry-run");
        assertThat(dry.statusCode()).isEqualTo(200);
        assertThat(dry.asString()).contains("Dry run: what would change").contains(uploaded).contains("change-create")
                .contains("(kept: no prune)").contains("id=\"apply\"");
        // the diff never shows a provider's key (the form keeps the pasted document, to apply exactly it)
        String diff = dry.asString().substring(dry.asString().indexOf("<table id=\"diff\">"));
        assertThat(diff.substring(0, diff.indexOf("</table>"))).doesNotContain("sk-console-apply-0042");
        assertThat(providers()).doesNotContain(uploaded);

        Response applied = browser().cookie("nexus_console", s[0]).formParam("_csrf", s[1]).formParam("yaml", yaml(uploaded))
                .post("/console/apply");
        assertThat(applied.statusCode()).isEqualTo(200);
        assertThat(applied.asString()).contains("<h2>Applied</h2>");
        assertThat(providers()).contains(uploaded, kept);

        // with the prune box ticked, what the file omits goes
        Response pruned = browser().cookie("nexus_console", s[0]).formParam("_csrf", s[1]).formParam("yaml", yaml(uploaded))
                .formParam("prune", "true").post("/console/apply");
        assertThat(pruned.statusCode()).isEqualTo(200);
        assertThat(providers()).containsExactly(uploaded);
    }

    @Test
    void aBrokenDocumentIsAMessageOnThePage() {
        String[] s = signIn();
        Response r = browser().cookie("nexus_console", s[0]).formParam("_csrf", s[1]).formParam("yaml", "- name: [unclosed")
                .post("/console/apply/dry-run");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("text/html");
        assertThat(r.asString()).contains("not valid YAML").contains("- name: [unclosed");
        Response tagged = browser().cookie("nexus_console", s[0]).formParam("_csrf", s[1])
                .formParam("yaml", "- name: x\n  endpoint: http://a.b\n  api_key: k\n  weight: many\n").post("/console/apply/dry-run");
        assertThat(tagged.statusCode()).isEqualTo(400);
        assertThat(tagged.asString()).contains("providers[0].weight");
    }

    @Test
    void usageExportSaysSoWhenMeteringDoesNotAnswer() {
        String[] s = signIn();
        Response csv = browser().cookie("nexus_console", s[0]).get("/console/usage.csv?days=7&group_by=day");
        assertThat(csv.statusCode()).isEqualTo(503);
        String page = browser().cookie("nexus_console", s[0]).get("/console/usage").then().statusCode(200).extract().asString();
        assertThat(page).contains("Usage unavailable");
    }
}
