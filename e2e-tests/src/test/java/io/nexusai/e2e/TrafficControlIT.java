package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traffic control through the running suite with two gateway replicas sharing one Redis: exact requests- and
 * tokens-per-minute limits under concurrency, a cost budget that concurrent requests cannot overspend, and a
 * Redis outage under load that fails no request and loses or doubles no usage event.
 */
@Order(8)
class TrafficControlIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A tenant (with limits), an alias on the mock, and what a test needs to call it. */
    record Setup(String tenant, String alias, String model) {
        String key(Map<String, Object> limits) {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("name", "limited"));
            if (!limits.isEmpty()) {
                body.put("limits", limits);
            }
            return Fixtures.admin().body(body).post("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(201).extract().path("key");
        }
    }

    static Setup setup(Map<String, Object> tenantLimits, BigDecimal pricePerMillion) {
        return setup(tenantLimits, pricePerMillion, 0);
    }

    /** A tenant, and an alias on a provider (deployment) with the given requests per minute (0 = none). */
    static Setup setup(Map<String, Object> tenantLimits, BigDecimal pricePerMillion, int providerRateLimit) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String model = Fixtures.uniqueModel("tc");
        if (pricePerMillion != null) {
            // the price comes first, so that the route's first snapshot already carries it
            Fixtures.admin().body(Map.of("input_per_million", pricePerMillion, "output_per_million", pricePerMillion))
                    .put("/admin/v1/prices/" + model).then().statusCode(200);
        }
        String tenant = "t-tc-" + suffix;
        Map<String, Object> body = new java.util.HashMap<>(Map.of("id", tenant, "name", "Traffic " + suffix));
        if (!tenantLimits.isEmpty()) {
            body.put("limits", tenantLimits);
        }
        Fixtures.admin().body(body).post("/admin/v1/tenants").then().statusCode(201);
        int provider = Fixtures.admin().body(Map.of("name", "tc-" + suffix, "kind", "openai", "endpoint", E2eStack.get().mockEndpoint(),
                "api_key", E2eStack.MOCK_API_KEY, "rate_limit", providerRateLimit)).post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        String alias = "tc-" + suffix;
        Fixtures.admin().body(Map.of("model_alias", alias, "provider_id", provider, "real_model_name", model))
                .post("/admin/v1/routes").then().statusCode(201);
        return new Setup(tenant, alias, model);
    }

    /** Waits until every gateway serves the alias (with a key of no limits, so that nothing is counted). */
    static void awaitOnAllGateways(Setup s, List<String> gateways) {
        String probe = s.key(Map.of());
        for (String g : gateways) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                    given().baseUri(E2eStack.get().url(g)).header("Authorization", "Bearer " + probe)
                            .get("/v1/models/" + s.alias()).statusCode() == 200);
        }
    }

    static HttpResponse<String> chat(String gateway, String key, String alias, int maxTokens, String requestId) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", alias, "max_tokens", maxTokens,
                "messages", List.of(Map.of("role", "user", "content", "Count the tokens of this rather ordinary prompt."))));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(E2eStack.get().url(gateway) + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            r.header("x-request-id", requestId);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} requests at once (released together), alternating between the gateways. */
    static List<HttpResponse<String>> burst(List<String> gateways, String key, String alias, int maxTokens, int n) throws Exception {
        return burst(gateways, List.of(key), alias, maxTokens, n);
    }

    /** Sends {@code n} requests at once (released together), alternating between the gateways and between the keys. */
    static List<HttpResponse<String>> burst(List<String> gateways, List<String> keys, String alias, int maxTokens, int n)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 32));
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String gateway = gateways.get(i % gateways.size());
                String key = keys.get((i / gateways.size()) % keys.size());
                futures.add(pool.submit(() -> {
                    go.await();
                    return chat(gateway, key, alias, maxTokens, null);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> out = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    static String code(HttpResponse<String> r) throws Exception {
        JsonNode n = JSON.readTree(r.body());
        return n.at("/error/code").asText();
    }

    @Test
    void threeTimesTheLimitAcrossTwoGatewaysAdmitsExactlyTheLimit() throws Exception {
        E2eStack.get().ensureSecondGateway();
        List<String> gateways = List.of("gateway", "gateway2");
        Setup s = setup(Map.of(), null);
        awaitOnAllGateways(s, gateways);

        int limit = 30;
        String key = s.key(Map.of("rpm_limit", limit));
        List<HttpResponse<String>> responses = burst(gateways, key, s.alias(), 5, 3 * limit);
        List<HttpResponse<String>> ok = responses.stream().filter(r -> r.statusCode() == 200).toList();
        List<HttpResponse<String>> limited = responses.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(ok).hasSize(limit);
        assertThat(limited).hasSize(2 * limit);
        for (HttpResponse<String> r : ok) {
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains(Integer.toString(limit));
            assertThat(Integer.parseInt(r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow())).isBetween(0, limit - 1);
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches("\\d+(\\.\\d+)?(ms|s)|\\d+m\\d+(\\.\\d+)?s");
        }
        for (HttpResponse<String> r : limited) {
            assertThat(code(r)).isEqualTo("rate_limit_exceeded");
            assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
            assertThat(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
        }
        // the remaining counts handed out are all different: one shared window, not one per gateway
        assertThat(ok.stream().map(r -> r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow()).distinct().count())
                .isEqualTo(limit);
    }

    @Test
    void aDeploymentRateLimitSharedByTwoTenantsAdmitsExactlyTheLimitAcrossTwoGateways() throws Exception {
        E2eStack.get().ensureSecondGateway();
        List<String> gateways = List.of("gateway", "gateway2");
        int limit = 20;
        Setup s = setup(Map.of(), null, limit);
        awaitOnAllGateways(s, gateways);
        // one tenant's key has a limit of its own (on a cluster: its tenant's shard and the deployments' shard, two
        // scripts at once), the other's has none (the deployments' shard only)
        String limitedKey = s.key(Map.of("rpm_limit", 1_000));
        String other = "t-tc-other-" + UUID.randomUUID().toString().substring(0, 8);
        Fixtures.admin().body(Map.of("id", other, "name", "Other tenant")).post("/admin/v1/tenants").then().statusCode(201);
        String otherKey = Fixtures.admin().body(Map.of("name", "unlimited")).post("/admin/v1/tenants/" + other + "/keys").then()
                .statusCode(201).extract().path("key");

        List<HttpResponse<String>> responses = burst(gateways, List.of(limitedKey, otherKey), s.alias(), 5, 3 * limit);
        assertThat(responses.stream().filter(r -> r.statusCode() == 200).count()).isEqualTo(limit);
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() != 200) {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(code(r)).isEqualTo("deployment_rate_limited");
                assertThat(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
            }
        }
        // the key's own window counted only the requests that went: its 1,000 less exactly those admitted for it
        long admittedForKey = 0;
        for (int i = 0; i < responses.size(); i++) {
            if (responses.get(i).statusCode() == 200 && (i / gateways.size()) % 2 == 0) {
                admittedForKey++;
            }
        }
        // (asked through an alias on a deployment without a limit: the key's window is the key's, whatever the alias)
        Setup free = setup(Map.of(), null, 0);
        awaitOnAllGateways(free, List.of("gateway"));
        HttpResponse<String> next = chat("gateway", limitedKey, free.alias(), 5, null);
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.headers().firstValue("x-ratelimit-remaining-requests")).contains(Long.toString(1_000 - admittedForKey - 1));
    }

    @Test
    void aTokensPerMinuteLimitAdmitsWithinOneRequestsTokens() throws Exception {
        E2eStack.get().ensureSecondGateway();
        List<String> gateways = List.of("gateway", "gateway2");
        Setup s = setup(Map.of(), null);
        awaitOnAllGateways(s, gateways);
        int tpm = 2_000;
        int maxTokens = 40;
        // what one request reserves against the limit: its prompt (counted, with the margin) plus max_tokens
        String probeKey = s.key(Map.of("tpm_limit", tpm));
        HttpResponse<String> probe = chat("gateway", probeKey, s.alias(), maxTokens, null);
        assertThat(probe.statusCode()).isEqualTo(200);
        int perRequest = tpm - Integer.parseInt(probe.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        assertThat(perRequest).isGreaterThan(maxTokens);

        String key = s.key(Map.of("tpm_limit", tpm));
        int fits = tpm / perRequest;
        List<HttpResponse<String>> responses = burst(gateways, key, s.alias(), maxTokens, 3 * fits);
        long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
        assertThat(ok * perRequest).isLessThanOrEqualTo(tpm);
        assertThat(ok * perRequest).as("admitted tokens within one request's of the limit").isGreaterThan(tpm - perRequest);
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() == 429) {
                assertThat(code(r)).isEqualTo("rate_limit_exceeded");
                assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).contains(Integer.toString(tpm));
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
            }
        }
        // a request that can never fit says so, without a Retry-After
        HttpResponse<String> huge = chat("gateway", s.key(Map.of("tpm_limit", tpm)), s.alias(), tpm, null);
        assertThat(huge.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(huge.body()).at("/error/message").asText()).startsWith("Request too large");
        assertThat(huge.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void twoHundredConcurrentRequestsNeverOverspendABudgetWorthTen() throws Exception {
        E2eStack.get().ensureSecondGateway();
        List<String> gateways = List.of("gateway", "gateway2");
        // $1000 per 1M tokens: a token costs $0.001; a request of this test uses prompt + 5 completion tokens
        Setup priced = setup(Map.of(), new BigDecimal("1000"));
        awaitOnAllGateways(priced, gateways);
        HttpResponse<String> sample = chat("gateway", priced.key(Map.of()), priced.alias(), 5, null);
        JsonNode usage = JSON.readTree(sample.body()).get("usage");
        BigDecimal perRequest = new BigDecimal("0.001").multiply(BigDecimal.valueOf(usage.get("total_tokens").asLong()));
        BigDecimal budget = perRequest.multiply(BigDecimal.TEN);

        Setup s = setup(Map.of("daily_cost_budget", budget), new BigDecimal("1000"));
        awaitOnAllGateways(s, gateways);
        String key = s.key(Map.of());
        List<HttpResponse<String>> responses = burst(gateways, key, s.alias(), 5, 200);
        long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() != 200) {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(code(r)).isEqualTo("insufficient_quota");
                assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("insufficient_quota");
            }
        }
        // reservations are the worst case (prompt with its margin), so fewer than ten may fit at once, never more
        assertThat(ok).isBetween(5L, 10L);
        // what metering recorded: never over the budget
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath report = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + key)
                    .get("/v1/usage").then().statusCode(200).extract().jsonPath();
            assertThat(report.getLong("totals.requests")).isEqualTo(200);
            BigDecimal spent = new BigDecimal(report.getString("totals.cost"));
            assertThat(spent).isEqualByComparingTo(perRequest.multiply(BigDecimal.valueOf(ok)));
            assertThat(spent).isLessThanOrEqualTo(budget);
        });
    }

    @Test
    void redisStoppedForThirtySecondsUnderLoadFailsNothingAndLosesNoUsage() throws Exception {
        E2eStack stack = E2eStack.get();
        stack.ensureSecondGateway();
        List<String> gateways = List.of("gateway", "gateway2");
        Setup s = setup(Map.of("rpm_limit", 1_000_000, "daily_token_quota", 1_000_000_000L), null);
        awaitOnAllGateways(s, gateways);
        String key = s.key(Map.of("rpm_limit", 1_000_000));

        AtomicBoolean running = new AtomicBoolean(true);
        List<String> sent = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String gateway = gateways.get(w % 2);
            workers.add(load.submit(() -> {
                while (running.get()) {
                    String id = "outage-" + UUID.randomUUID();
                    try {
                        HttpResponse<String> r = chat(gateway, key, s.alias(), 3, id);
                        sent.add(id);
                        statuses.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                        if (r.statusCode() != 200) {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return null;
                    }
                }
                return null;
            }));
        }
        try {
            Thread.sleep(3_000);
            stack.stopRedis();
            Thread.sleep(30_000);
            stack.startRedis();
            Thread.sleep(5_000);
        } finally {
            running.set(false);
            for (Future<?> f : workers) {
                f.get();
            }
            load.shutdown();
            stack.startRedis();
        }
        System.out.printf("Redis outage under load: %d requests, statuses %s%n", sent.size(), statuses);
        assertThat(failures).as("no request fails for lack of Redis").isEmpty();
        assertThat(sent.size()).isGreaterThan(100);

        // every request recorded exactly once, the ones spooled during the outage included
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonPath report = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                    .queryParam("tenant_id", s.tenant()).get("/v1/usage").then().statusCode(200).extract().jsonPath();
            assertThat(report.getLong("totals.requests")).isEqualTo(sent.size());
        });
        for (String id : List.of(sent.get(0), sent.get(sent.size() / 2), sent.get(sent.size() - 1))) {
            JsonPath events = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                    .queryParam("tenant_id", s.tenant()).queryParam("request_id", id).get("/v1/usage/events").then().statusCode(200)
                    .extract().jsonPath();
            assertThat(events.getList("data")).hasSize(1);
        }
    }
}
