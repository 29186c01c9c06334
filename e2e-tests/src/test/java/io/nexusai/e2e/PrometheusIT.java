package io.nexusai.e2e;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.nexusai.testsupport.Ports;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real Prometheus (found or installed by deploy/prometheus/find-prometheus) scrapes the running stack every
 * second with the project's rule files: the gateway's request counter and latency histogram arrive with the
 * requests sent, and the recording and alert rules evaluate on them without errors.
 */
@Order(20)
class PrometheusIT {
    private static final List<String> COMPONENTS = List.of("gateway", "admin", "auth", "routing", "metering");
    private static final int REQUESTS = 5;

    private static Process prometheus;
    private static String api;
    private static Path dir;

    @BeforeAll
    static void startPrometheus() throws Exception {
        E2eStack stack = E2eStack.get();
        dir = stack.logDirectory().resolveSibling("prometheus-it");
        deleteTree(dir);
        Files.createDirectories(dir);
        Path rules = stack.root().resolve("deploy/prometheus/rules");
        List<Path> ruleFiles;
        try (Stream<Path> files = Files.list(rules)) {
            ruleFiles = files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(ruleFiles).isNotEmpty();
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                """);
        ruleFiles.forEach(f -> config.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        config.append("scrape_configs:\n");
        for (String component : COMPONENTS) {
            config.append("  - job_name: ").append(component).append("\n")
                    .append("    metrics_path: /q/metrics\n")
                    .append("    static_configs:\n")
                    .append("      - targets: ['127.0.0.1:").append(stack.managementPort(component)).append("']\n")
                    .append("        labels:\n")
                    .append("          service: ").append(component).append("\n");
        }
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);

        int port = Ports.free();
        api = "http://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(binary(stack.root(), "prometheus"),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=info")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        await("prometheus ready, log: " + dir.resolve("prometheus.log")).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> {
                    assertThat(prometheus.isAlive()).as(Files.readString(dir.resolve("prometheus.log"))).isTrue();
                    return given().get(api + "/-/ready").statusCode() == 200;
                });
    }

    @AfterAll
    static void stopPrometheus() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void prometheusScrapesTheRequestsAndEvaluatesTheProjectsRules() {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        String provider = "mock-" + tenant.alias().substring("nexus-".length());
        OpenAIClient client = Fixtures.openAi(tenant.appKey());
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(tenant.alias()).addUserMessage("Count me, Prometheus.").build();

        await("every component scraped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonPath up = query("up");
            Map<String, String> byJob = up.getList("data.result", Map.class).stream().collect(Collectors.toMap(
                    r -> (String) ((Map<?, ?>) r.get("metric")).get("job"), r -> (String) ((List<?>) r.get("value")).get(1)));
            assertThat(byJob).containsOnlyKeys(COMPONENTS).allSatisfy((job, value) -> assertThat(value).as(job).isEqualTo("1"));
        });

        // the first request creates the series; Prometheus sees it at 1 before the others arrive, so their
        // increase shows in rate() (a series born at 5 would show no rate at all)
        Fixtures.awaitRoute(() -> client.chat().completions().create(params));
        String requests = "sum(nexus_requests_total{model=\"" + tenant.alias() + "\",status=\"200\",provider=\"" + provider + "\"})";
        awaitValue(requests, 1);
        for (int i = 1; i < REQUESTS; i++) {
            client.chat().completions().create(params);
        }
        awaitValue(requests, REQUESTS);
        assertThat(scalar("sum(nexus_requests_total{model=\"" + tenant.alias() + "\"})")).as("no other status").isEqualTo(REQUESTS);

        String buckets = "nexus_latency_seconds_bucket{model=\"" + tenant.alias() + "\",status=\"200\"}";
        List<String> les = query(buckets).getList("data.result.metric.le", String.class);
        assertThat(les).contains("0.1", "0.5", "+Inf");
        assertThat(scalar("sum(" + buckets.replace("}", ",le=\"+Inf\"}") + ")")).isEqualTo(REQUESTS);

        // recording rules: the provider's request rate is up, its error ratio is 0 (no 5xx), its p99 is a latency
        await("recording rules on the scraped data").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(scalar("provider:nexus_requests:rate5m{provider=\"" + provider + "\"}")).isPositive();
            assertThat(scalar("provider:nexus_request_error_ratio:rate5m{provider=\"" + provider + "\"}")).isZero();
            assertThat(scalar("provider:nexus_latency_seconds:p99_5m{provider=\"" + provider + "\"}")).isPositive().isLessThanOrEqualTo(120);
        });

        // every rule of the project's files is loaded and evaluates without error on the real metrics
        JsonPath rules = given().get(api + "/api/v1/rules").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> loaded = rules.getList("data.groups.rules.flatten()");
        assertThat(loaded).hasSizeGreaterThanOrEqualTo(20);
        assertThat(loaded).allSatisfy(r -> assertThat(r.get("health")).as(r.get("name") + ": " + r.get("lastError")).isEqualTo("ok"));
        assertThat(rules.getList("data.groups.rules.flatten().findAll { it.type == 'alerting' }.name", String.class))
                .contains("NexusProviderErrorRateHigh", "NexusCircuitBreakerOpen", "NexusTenantBudgetNearlyUsed");
    }

    private static void awaitValue(String promql, double expected) {
        await(promql + " == " + expected).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(scalar(promql)).isEqualTo(expected));
    }

    /** The value of a query returning one sample (NaN when it returns none). */
    private static double scalar(String promql) {
        List<List<Object>> values = query(promql).getList("data.result.value");
        assertThat(values).as(promql).hasSizeLessThanOrEqualTo(1);
        return values.isEmpty() ? Double.NaN : Double.parseDouble((String) values.get(0).get(1));
    }

    private static JsonPath query(String promql) {
        return given().baseUri(api).queryParam("query", promql).get("/api/v1/query")
                .then().statusCode(200).extract().jsonPath();
    }

    /** The path of promtool or prometheus, from deploy/prometheus/find-prometheus (which may install it). */
    static String binary(Path root, String tool) throws IOException, InterruptedException {
        Process find = new ProcessBuilder("bash", root.resolve("deploy/prometheus/find-prometheus").toString(), tool)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        find.getOutputStream().close();
        String out = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!find.waitFor(20, TimeUnit.MINUTES) || find.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException("deploy/prometheus/find-prometheus " + tool + " failed (see its message above): " + out);
        }
        return out.lines().reduce((a, b) -> b).orElseThrow();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
