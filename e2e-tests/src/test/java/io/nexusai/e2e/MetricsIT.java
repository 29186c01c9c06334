package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.testsupport.Ports;
import io.nexusai.testsupport.ServiceProcess;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The metric catalogue (deploy/prometheus/metrics.tsv) holds on the running stack: after sync and streamed chat
 * completions, a refused request, admin writes and spend against a tenant's cost budget, every service's
 * {@code /q/metrics} (parsed as exposition text) has every metric the catalogue lists for it, with the listed type
 * and exactly the listed labels, and values that agree with the traffic sent.
 */
class MetricsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Catalogue rows whose producer is being built on another branch: checked when present, not required yet. */
    static final Set<String> NOT_YET_REQUIRED = Set.of("nexus_anomalies_total");
    static final int SYNC = 3;
    static final int STREAMS = 2;
    static final BigDecimal PRICE = new BigDecimal("1000"); // per 1M tokens: a token costs 0.001
    static final BigDecimal BUDGET = new BigDecimal("50");

    record Row(String service, String metric, String type, List<String> labels) {
    }

    static List<Row> catalogue() throws Exception {
        Path tsv = Path.of(System.getProperty("nexus.root", "..")).resolve("deploy/prometheus/metrics.tsv");
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("#") || line.startsWith("service\t") || line.isBlank()) {
                continue;
            }
            String[] c = line.split("\t", -1);
            assertThat(c).as("five columns: %s", line).hasSize(5);
            rows.add(new Row(c[0], c[1], c[2], c[3].isEmpty() ? List.of() : Arrays.asList(c[3].split(","))));
        }
        return rows;
    }

    static PromText scrape(String service) {
        String text = given().get(E2eStack.get().managementUrl(service) + "/q/metrics").then().statusCode(200).extract().asString();
        return PromText.parse(text);
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static double adminWrites(PromText admin, String resource, String action) {
        return admin.sum("nexus_admin_writes_total", labels("resource", resource, "action", action));
    }

    @Test
    void everyServiceExportsTheCatalogueWithValuesThatMatchTheTraffic() throws Exception {
        List<Row> rows = catalogue();
        assertThat(rows).extracting(Row::service).containsOnly("gateway", "routing", "admin", "metering");
        PromText adminBefore = scrape("admin");

        // a priced route, a tenant with a daily cost budget; and a second tenant whose key allows one request a minute
        TrafficControlIT.Setup priced = TrafficControlIT.setup(Map.of("daily_cost_budget", BUDGET), PRICE);
        TrafficControlIT.awaitOnAllGateways(priced, List.of("gateway"));
        String key = priced.key(Map.of());
        TrafficControlIT.Setup limited = TrafficControlIT.setup(Map.of(), null);
        TrafficControlIT.awaitOnAllGateways(limited, List.of("gateway"));
        String oneRpm = limited.key(Map.of("rpm_limit", 1));
        String provider = priced.alias(); // TrafficControlIT.setup names the provider as the alias

        long prompt = 0;
        long completion = 0;
        for (int i = 0; i < SYNC; i++) {
            HttpResponse<String> r = TrafficControlIT.chat("gateway", key, priced.alias(), 5, null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode usage = JSON.readTree(r.body()).get("usage");
            prompt += usage.get("prompt_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
        }
        for (int i = 0; i < STREAMS; i++) {
            String body = JSON.writeValueAsString(Map.of("model", priced.alias(), "max_tokens", 8, "stream", true,
                    "stream_options", Map.of("include_usage", true),
                    "messages", List.of(Map.of("role", "user", "content", "Stream a few words, please."))));
            List<String> events = Sse.post(E2eStack.get().url("gateway") + "/v1/chat/completions", key, body);
            assertThat(events).last().isEqualTo("[DONE]");
            JsonNode usage = events.stream().filter(e -> !e.equals("[DONE]")).map(MetricsIT::json)
                    .filter(e -> e.hasNonNull("usage")).reduce((a, b) -> b).orElseThrow().get("usage");
            prompt += usage.get("prompt_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
        }
        int requests = SYNC + STREAMS;
        assertThat(TrafficControlIT.chat("gateway", oneRpm, limited.alias(), 5, null).statusCode()).isEqualTo(200);
        assertThat(TrafficControlIT.chat("gateway", oneRpm, limited.alias(), 5, null).statusCode()).isEqualTo(429);

        // metering has stored every request (the reference for cost and budget)
        AtomicReference<BigDecimal> spent = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath report = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + key)
                    .get("/v1/usage").then().statusCode(200).extract().jsonPath();
            assertThat(report.getLong("totals.requests")).isEqualTo(requests);
            spent.set(new BigDecimal(report.getString("totals.cost")));
        });
        BigDecimal expectedCost = PRICE.multiply(BigDecimal.valueOf(prompt + completion)).movePointLeft(6);
        assertThat(spent.get()).isEqualByComparingTo(expectedCost);
        double ratio = spent.get().divide(BUDGET, MathContext.DECIMAL64).doubleValue();

        // scrape every service (auth has no catalogue rows, but must serve valid exposition text too); the health
        // matrix, the budget gauges and the stream gauge settle within a few of their periods
        Map<String, PromText> scraped = new HashMap<>();
        long finalPrompt = prompt;
        long finalCompletion = completion;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String service : List.of("gateway", "routing", "admin", "metering", "auth")) {
                scraped.put(service, scrape(service));
            }
            assertThat(scraped.get("routing").value("nexus_provider_up", labels("provider", provider, "deployment",
                    deploymentOf(scraped.get("gateway"), provider)))).contains(1.0);
            assertThat(scraped.get("metering").value("nexus_budget_used_ratio", labels("tenant", priced.tenant(), "period", "day",
                    "kind", "cost"))).hasValueSatisfying(v -> assertThat(v).isCloseTo(ratio, within(1e-9)));
            assertThat(scraped.get("gateway").value("nexus_active_streams", Map.of())).contains(0.0);
            assertThat(scraped.get("metering").sum("nexus_metering_tokens_total", labels("tenant", priced.tenant(), "type", "prompt")))
                    .isEqualTo(finalPrompt);
        });

        // 1. every catalogue row on its service: family type, and exactly the listed labels
        for (Row row : rows) {
            PromText p = scraped.get(row.service());
            boolean present = p.typeOf(row.metric()).isPresent();
            if (!present && NOT_YET_REQUIRED.contains(row.metric())) {
                continue;
            }
            assertThat(present).as("%s exports %s (%s)", row.service(), row.metric(), row.type()).isTrue();
            assertThat(p.typeOf(row.metric())).as("type of %s", row.metric()).contains(row.type());
            Set<String> expected = new HashSet<>(row.labels());
            List<PromText.Sample> samples = switch (row.type()) {
                case "histogram" -> {
                    List<PromText.Sample> buckets = p.find(row.metric() + "_bucket", Map.of());
                    assertThat(p.find(row.metric() + "_count", Map.of())).as("%s_count", row.metric()).hasSameSizeAs(
                            buckets.stream().map(s -> withoutLe(s.labels())).distinct().toList());
                    assertThat(p.find(row.metric() + "_sum", Map.of())).as("%s_sum", row.metric()).isNotEmpty();
                    for (PromText.Sample count : p.find(row.metric() + "_count", Map.of())) {
                        assertThat(count.labels().keySet()).as("labels of %s", row.metric()).isEqualTo(expected);
                    }
                    expected.add("le");
                    yield buckets;
                }
                default -> p.find(row.metric(), Map.of());
            };
            assertThat(samples).as("samples of %s on %s", row.metric(), row.service()).isNotEmpty();
            for (PromText.Sample s : samples) {
                assertThat(s.labels().keySet()).as("labels of %s", s).isEqualTo(expected);
            }
        }

        // 2. values that agree with the traffic
        PromText gw = scraped.get("gateway");
        String alias = priced.alias();
        Map<String, String> series = labels("provider", provider, "model", alias);
        assertThat(gw.value("nexus_requests_total", labels("provider", provider, "model", alias, "status", "200"))).contains((double) requests);
        assertThat(gw.value("nexus_latency_seconds_count", labels("provider", provider, "model", alias, "status", "200")))
                .contains((double) requests);
        for (String histogram : List.of("nexus_latency_seconds", "nexus_upstream_latency_seconds", "nexus_time_to_first_token_seconds",
                "nexus_gateway_overhead_seconds")) {
            Map<String, String> match = histogram.equals("nexus_gateway_overhead_seconds") ? labels("model", alias) : series;
            for (String le : List.of("0.1", "0.5", "+Inf")) {
                Map<String, String> bucket = new HashMap<>(match);
                bucket.put("le", le);
                assertThat(gw.find(histogram + "_bucket", bucket)).as("%s le=%s", histogram, le).isNotEmpty();
            }
            assertThat(gw.sum(histogram + "_count", match)).as("%s count", histogram)
                    .isEqualTo(histogram.equals("nexus_time_to_first_token_seconds") ? STREAMS : requests);
        }
        // the gateway's overhead and the provider wait add up to the total latency, request by request
        double total = gw.sum("nexus_latency_seconds_sum", series);
        double upstream = gw.sum("nexus_upstream_latency_seconds_sum", series);
        double overhead = gw.sum("nexus_gateway_overhead_seconds_sum", labels("model", alias));
        assertThat(upstream).isPositive().isLessThan(total);
        assertThat(overhead).isPositive();
        assertThat(upstream + overhead).isCloseTo(total, within(1e-6));
        assertThat(gw.sum("nexus_time_to_first_token_seconds_sum", series)).isPositive().isLessThanOrEqualTo(total);

        assertThat(gw.value("nexus_tokens_total", labels("provider", provider, "model", alias, "type", "prompt"))).contains((double) prompt);
        assertThat(gw.value("nexus_tokens_total", labels("provider", provider, "model", alias, "type", "completion")))
                .contains((double) completion);
        assertThat(gw.value("nexus_cost_total", series)).hasValueSatisfying(c -> assertThat(c).isCloseTo(expectedCost.doubleValue(), within(1e-9)));
        assertThat(gw.find("nexus_cost_total", labels("model", limited.alias()))).as("unpriced: no cost").isEmpty();
        assertThat(gw.sum("nexus_requests_total", labels("model", limited.alias(), "status", "429"))).isEqualTo(1.0);
        assertThat(gw.sum("nexus_limit_rejections_total", labels("reason", "requests_per_minute", "scope", "key"))).isGreaterThanOrEqualTo(1);
        assertThat(gw.value("nexus_snapshot_age_seconds", Map.of())).hasValueSatisfying(age -> assertThat(age).isBetween(0.0, 35.0));
        assertThat(gw.value("nexus_limiter_redis_up", Map.of())).contains(1.0);
        assertThat(gw.value("nexus_usage_events_spooled", Map.of())).contains(0.0);
        // the two keys used are held (and the stack's default bound is far above what the e2e tests use: no eviction)
        assertThat(gw.value("nexus_key_cache_entries", Map.of())).hasValueSatisfying(n -> assertThat(n).isGreaterThanOrEqualTo(2));
        assertThat(gw.value("nexus_key_cache_evictions_total", Map.of())).contains(0.0);
        // each key the gateway did not hold was looked up (at least the two used here, once each at most per eviction)
        assertThat(gw.value("nexus_key_cache_lookups_total", Map.of())).hasValueSatisfying(n -> assertThat(n).isGreaterThanOrEqualTo(2));
        // the e2e stack serves a handful of aliases: all of them labelled, none folded into "other"
        assertThat(gw.value("nexus_metrics_aliases_folded_total", Map.of())).contains(0.0);
        assertThat(gw.find("nexus_requests_total", labels("model", "other"))).isEmpty();
        assertThat(gw.value("nexus_circuit_breaker_state", labels("provider", provider, "deployment", deploymentOf(gw, provider))))
                .contains(0.0);

        PromText routing = scraped.get("routing");
        Map<String, String> target = labels("provider", provider, "deployment", deploymentOf(gw, provider));
        assertThat(routing.value("nexus_provider_error_ratio", target)).contains(0.0);
        assertThat(routing.value("nexus_provider_breaker_open_gateways", target)).contains(0.0);
        // counted from the differences between the gateways' reports: how much of the traffic falls into the window
        // depends on when the first report came, but never more than was sent
        assertThat(routing.value("nexus_provider_requests_window", target)).hasValueSatisfying(n -> assertThat(n).isBetween(0.0, (double) requests));
        assertThat(routing.value("nexus_provider_latency_p99_ms", target)).hasValueSatisfying(ms -> assertThat(ms).isNotNaN());

        PromText admin = scraped.get("admin");
        // this test's writes: a price, two tenants, two providers, two routes, four keys (two probes, two used)
        for (String[] w : new String[][] {{"price", "create", "1"}, {"tenant", "create", "2"}, {"provider", "create", "2"},
                {"route", "create", "2"}, {"key", "create", "4"}}) {
            assertThat(adminWrites(admin, w[0], w[1]) - adminWrites(adminBefore, w[0], w[1])).as("admin writes %s/%s", w[0], w[1])
                    .isGreaterThanOrEqualTo(Double.parseDouble(w[2]));
        }

        PromText metering = scraped.get("metering");
        assertThat(metering.value("nexus_metering_events_total", labels("outcome", "inserted")))
                .hasValueSatisfying(n -> assertThat(n).isGreaterThanOrEqualTo(requests + 2));
        assertThat(metering.value("nexus_metering_tokens_total", labels("tenant", priced.tenant(), "model", alias, "type", "completion")))
                .contains((double) completion);
        assertThat(metering.value("nexus_metering_cost_total", labels("tenant", priced.tenant(), "model", alias)))
                .hasValueSatisfying(c -> assertThat(c).isCloseTo(spent.get().doubleValue(), within(1e-9)));
        assertThat(metering.sum("nexus_metering_batch_seconds_count", Map.of())).isPositive();
        assertThat(metering.find("nexus_budget_used_ratio", labels("tenant", limited.tenant()))).as("no budget: no series").isEmpty();
        assertThat(metering.find("nexus_budget_used_ratio", labels("tenant", priced.tenant())).stream()
                .map(s -> s.label("period") + "/" + s.label("kind")).collect(Collectors.toSet())).containsExactly("day/cost");

        // no key ids (or any other per-request value) as label values anywhere
        for (Map.Entry<String, PromText> e : scraped.entrySet()) {
            for (PromText.Sample s : e.getValue().samples) {
                assertThat(s.labels().values()).as("labels of %s on %s", s.name(), e.getKey())
                        .noneMatch(v -> v.startsWith("key_") || v.startsWith("nx-"));
            }
        }
    }

    /**
     * nexus_snapshot_age_seconds on a gateway of its own (snapshot resync every second, snapshot kept on disk): small
     * while routing-service answers; growing while it is down, also after a restart that serves the kept snapshot;
     * small again once routing answers.
     */
    @Test
    void snapshotAgeGrowsWhileRoutingIsDown() throws Exception {
        E2eStack stack = E2eStack.get();
        Path kept = stack.logDirectory().resolveSibling("metrics-it-snapshot.json");
        Files.deleteIfExists(kept);
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(Ports.free()));
        int management = Ports.free();
        env.put("MONITORING_PORT", Integer.toString(management));
        env.put("NEXUS_GATEWAY_ROUTE_RESYNC", "1s");
        env.put("NEXUS_GATEWAY_SNAPSHOT_FILE", kept.toString());
        String url = "http://127.0.0.1:" + management;
        java.util.function.Supplier<ServiceProcess> start = () -> stack.process("gateway3", env, stack.logDirectory().resolve("gateway3.log"))
                .start().awaitReady(url + "/q/health/ready", Duration.ofSeconds(90));
        ServiceProcess gateway = start.get();
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(Files.exists(kept) && snapshotAge(url) < 3).isTrue());
            stack.stopService("routing");
            try {
                // every pull fails: the age passes several resync periods and keeps growing
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> snapshotAge(url) > 5);
                double before = snapshotAge(url);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> snapshotAge(url) > before + 1);
                // restarted while routing is down, it serves the kept snapshot: confirmed no later than before the restart
                double beforeRestart = snapshotAge(url);
                gateway.stop();
                gateway = start.get();
                assertThat(snapshotAge(url)).isGreaterThan(beforeRestart);
            } finally {
                stack.startService("routing");
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> snapshotAge(url) < 3);
        } finally {
            gateway.stop();
        }
    }

    static double snapshotAge(String managementUrl) {
        String text = given().get(managementUrl + "/q/metrics").then().statusCode(200).extract().asString();
        return PromText.parse(text).value("nexus_snapshot_age_seconds", Map.of()).orElseThrow();
    }

    /** The deployment label the gateway gives the provider's only target. */
    static String deploymentOf(PromText gateway, String provider) {
        List<PromText.Sample> s = gateway.find("nexus_circuit_breaker_state", labels("provider", provider));
        assertThat(s).as("breaker state of %s", provider).hasSize(1);
        return s.get(0).label("deployment");
    }

    static Map<String, String> withoutLe(Map<String, String> labels) {
        Map<String, String> m = new HashMap<>(labels);
        m.remove("le");
        return m;
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
