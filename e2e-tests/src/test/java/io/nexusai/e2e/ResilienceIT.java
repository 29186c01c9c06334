package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.testsupport.Ports;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Smart routing and resilience through the running suite: weighted and regional splits, per-deployment rate limits,
 * failover on 500, 429, hangs and refused connections (across vendor formats), no retry once a stream has started,
 * circuit breakers that open, probe and close, 503 when every deployment is down, latency-aware selection, and the
 * provider health matrix and metrics following injected faults. Deployments are set up with one declarative
 * {@code /admin/v1/apply} (one configuration version, so a gateway sees them all at once) and an alias policy.
 */
@Order(7)
class ResilienceIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** One deployment of a test alias: its provider's name, the real model (fault rules target it) and route id. */
    record Dep(String provider, String model, long routeId) {
        String id() {
            return Long.toString(routeId);
        }
    }

    /** A test alias with an app key allowed to use it. */
    record Alias(String name, String key, List<Dep> deps) {
        Dep dep(int i) {
            return deps.get(i);
        }
    }

    /** Options of one deployment: provider kind and endpoint, and the route's fields. */
    static Map<String, Object> dep(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * Creates the alias's policy, then its providers and routes in one apply, a tenant and key; waits for the gateway.
     * The apply prunes: it replaces the previous test configuration, so the routing table holds only this alias's
     * deployments (LifecycleIT sets up one alias at a time on that basis); apply keeps what a file omits by default.
     */
    static Alias alias(Map<String, Object> policy, List<Map<String, Object>> deployments) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String alias = "res-" + suffix;
        if (!policy.isEmpty()) {
            Fixtures.admin().body(policy).put("/admin/v1/aliases/" + alias).then().statusCode(200);
        }
        List<Map<String, Object>> providers = new ArrayList<>();
        List<String[]> names = new ArrayList<>();
        for (int i = 0; i < deployments.size(); i++) {
            Map<String, Object> options = new LinkedHashMap<>(deployments.get(i));
            String kind = (String) options.getOrDefault("kind", "openai");
            options.remove("kind");
            String endpoint = (String) options.remove("endpoint");
            if (endpoint == null) {
                endpoint = "openai".equals(kind) ? E2eStack.get().mockEndpoint() : E2eStack.get().mockBase();
            }
            String provider = "res-" + suffix + "-" + i;
            String model = Fixtures.uniqueModel("res" + i);
            Map<String, Object> route = new LinkedHashMap<>(Map.of("alias", alias, "real_name", model));
            route.putAll(options);
            // the provider's own rate limit (default 60 per minute) off: the route's, if any, applies
            providers.add(Map.of("name", provider, "kind", kind, "endpoint", endpoint, "api_key", E2eStack.MOCK_API_KEY,
                    "rate_limit", 0, "models", List.of(route)));
            names.add(new String[]{provider, model});
        }
        Fixtures.admin().queryParam("prune", true).body(Map.of("providers", providers)).post("/admin/v1/apply").then().statusCode(200);
        JsonPath routes = Fixtures.admin().queryParam("alias", alias).get("/admin/v1/routes").then().statusCode(200).extract().jsonPath();
        List<Dep> deps = new ArrayList<>();
        for (String[] n : names) {
            long id = routes.getLong("find { it.real_model_name == '" + n[1] + "' }.id");
            deps.add(new Dep(n[0], n[1], id));
        }
        String tenant = "t-res-" + suffix;
        Fixtures.admin().body(Map.of("id", tenant, "name", "Resilience " + suffix)).post("/admin/v1/tenants").then().statusCode(201);
        String key = Fixtures.appKey(tenant, List.of(alias));
        Fixtures.awaitRoute(() -> Fixtures.openAi(key).models().retrieve(alias));
        return new Alias(alias, key, deps);
    }

    static String chatBody(String alias, boolean stream) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", alias, "messages", List.of(Map.of("role", "user", "content", "hi"))));
        if (stream) {
            body.put("stream", true);
        }
        return JSON.writeValueAsString(body);
    }

    static HttpResponse<String> chat(Alias a) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(E2eStack.get().url("gateway") + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + a.key()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(a.name(), false))).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** Sends {@code n} chat requests, 8 at a time; counts the {@code x-nexus-deployment} of each (all must be 200). */
    static Map<String, Integer> split(Alias a, int n) throws Exception {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    HttpResponse<String> r = chat(a);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(header(r, "x-nexus-attempts")).isEqualTo("1");
                    counts.merge(header(r, "x-nexus-deployment"), 1, Integer::sum);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return counts;
    }

    static int mockCount(String model) {
        Map<String, Object> byModel = Fixtures.mockStats().getMap("by_model");
        Object n = byModel.get(model);
        return n == null ? 0 : ((Number) n).intValue();
    }

    static void fault(Dep d, Object... kv) {
        Map<String, Object> rule = dep(kv);
        rule.put("model", d.model());
        Fixtures.mockFault(rule);
    }

    /** A sample of a Prometheus text exposition with the given name and {@code deployment} label, or null. */
    static Double metric(String service, String name, String deployment) {
        String text = given().get(E2eStack.get().managementUrl(service) + "/q/metrics").then().statusCode(200).extract().asString();
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("deployment=\"" + deployment + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return null;
    }

    /** The health matrix entry of a deployment, from routing-service's admin endpoint. */
    static JsonPath health(Dep d) {
        JsonPath matrix = given().baseUri(E2eStack.get().url("routing")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                .accept(ContentType.JSON).get("/admin/v1/providers/health").then().statusCode(200).extract().jsonPath();
        Object entry = matrix.get("providers.'" + d.provider() + "'.find { it.target == '" + d.id() + "' }");
        return entry == null ? null : new JsonPath(toJson(entry));
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void clearFaults() {
        Fixtures.clearMockFaults();
    }

    @Test
    void threeWeightedDeploymentsSplitTrafficByTheirWeights() throws Exception {
        Alias a = alias(Map.of(), List.of(dep("weight", 50), dep("weight", 30), dep("weight", 20)));
        int n = 3000;
        Map<String, Integer> counts = split(a, n);
        System.out.printf("weighted 50/30/20 split of %d requests: %s%n", n, counts);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(a.dep(0).id(), a.dep(1).id(), a.dep(2).id());
        assertThat(counts.get(a.dep(0).id()) / (double) n).as("share of weight 50 in %s", counts).isCloseTo(0.50, within(0.05));
        assertThat(counts.get(a.dep(1).id()) / (double) n).as("share of weight 30 in %s", counts).isCloseTo(0.30, within(0.05));
        assertThat(counts.get(a.dep(2).id()) / (double) n).as("share of weight 20 in %s", counts).isCloseTo(0.20, within(0.05));
        // and the mock really got them: every request reached the deployment the header names
        assertThat(mockCount(a.dep(0).model()) + mockCount(a.dep(1).model()) + mockCount(a.dep(2).model())).isEqualTo(n);
        assertThat(mockCount(a.dep(2).model())).isEqualTo(counts.get(a.dep(2).id()));
    }

    @Test
    void regionWeightsSplitADeploymentAcrossItsRegions() throws Exception {
        // the product README's example: one Azure-style model with region_weights eastus 60 / westus 40, in YAML
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String alias = "res-region-" + suffix;
        String model = Fixtures.uniqueModel("gpt-4");
        String yaml = """
                providers:
                  - name: "Region %s"
                    endpoint: "%s"
                    api_key: "%s"
                    models:
                      - alias: "%s"
                        real_name: "%s"
                        rate_limit: 0
                        region_weights:
                          eastus: 60
                          westus: 40
                """.formatted(suffix, E2eStack.get().mockEndpoint(), E2eStack.MOCK_API_KEY, alias, model);
        given().baseUri(E2eStack.get().url("admin")).header("Authorization", "Bearer " + E2eStack.ADMIN_KEY)
                .contentType("application/yaml").body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/admin/v1/apply").then().statusCode(200);
        long routeId = Fixtures.admin().queryParam("alias", alias).get("/admin/v1/routes").then().statusCode(200)
                .extract().jsonPath().getLong("[0].id");
        String tenant = "t-region-" + suffix;
        Fixtures.admin().body(Map.of("id", tenant, "name", "Region " + suffix)).post("/admin/v1/tenants").then().statusCode(201);
        String key = Fixtures.appKey(tenant, List.of(alias));
        Fixtures.awaitRoute(() -> Fixtures.openAi(key).models().retrieve(alias));
        Alias a = new Alias(alias, key, List.of(new Dep("Region " + suffix, model, routeId)));

        int n = 3000;
        Map<String, Integer> counts = split(a, n);
        System.out.printf("region 60/40 split of %d requests: %s%n", n, counts);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(routeId + "@eastus", routeId + "@westus");
        assertThat(counts.get(routeId + "@eastus") / (double) n).as("eastus share in %s", counts).isCloseTo(0.60, within(0.05));
        assertThat(counts.get(routeId + "@westus") / (double) n).as("westus share in %s", counts).isCloseTo(0.40, within(0.05));
        HttpResponse<String> one = chat(a);
        assertThat(header(one, "x-nexus-provider")).isIn("Region " + suffix + "/eastus", "Region " + suffix + "/westus");
    }

    @Test
    void aDeploymentAtItsRateLimitIsSkippedWhileAnotherHasRoom() throws Exception {
        Alias a = alias(Map.of(), List.of(dep("priority", 1, "rate_limit", 5), dep("priority", 2)));
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = chat(a);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            served.add(header(r, "x-nexus-deployment"));
        }
        // requests per minute: the first five go to the preferred deployment, the rest to the one with room
        assertThat(served.subList(0, 5)).containsOnly(a.dep(0).id());
        assertThat(served.subList(5, 12)).containsOnly(a.dep(1).id());
        assertThat(mockCount(a.dep(0).model())).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "429", "hang", "refused"})
    void aFailingDeploymentIsFailedOverTransparentlyEvenToAnotherVendor(String failure) throws Exception {
        Map<String, Object> first = dep("priority", 1);
        if ("refused".equals(failure)) {
            first.put("endpoint", "http://127.0.0.1:" + Ports.free() + "/v1");
        }
        // the fallback speaks Anthropic's Messages API: the translator changes with the deployment
        Alias a = alias(Map.of("first_byte_timeout_ms", 800), List.of(first, dep("priority", 2, "kind", "anthropic")));
        switch (failure) {
            case "500" -> fault(a.dep(0), "status", 500);
            case "429" -> fault(a.dep(0), "status", 429, "retry_after", 30);
            case "hang" -> fault(a.dep(0), "hang", true);
            default -> {
            }
        }
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(a.name()).addUserMessage("fail over, " + failure).build();
        HttpResponseFor<ChatCompletion> raw = Fixtures.openAi(a.key()).chat().completions().withRawResponse().create(params);
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().values("x-nexus-attempts")).containsExactly("2");
        assertThat(raw.headers().values("x-nexus-provider")).containsExactly(a.dep(1).provider());
        ChatCompletion completion = raw.parse();
        assertThat(completion.model()).isEqualTo(a.name());
        assertThat(completion.choices().get(0).message().content()).contains(
                MockProviderServer.REPLY_PREFIX + a.dep(1).model() + ": fail over, " + failure);
        if (!"refused".equals(failure)) {
            assertThat(mockCount(a.dep(0).model())).isEqualTo(1);
        }
        assertThat(mockCount(a.dep(1).model())).isEqualTo(1);

        if ("429".equals(failure)) {
            // Retry-After 30: the deployment is left alone meanwhile; the next request goes straight to the other
            HttpResponseFor<ChatCompletion> next = Fixtures.openAi(a.key()).chat().completions().withRawResponse().create(params);
            assertThat(next.headers().values("x-nexus-attempts")).containsExactly("1");
            assertThat(next.headers().values("x-nexus-provider")).containsExactly(a.dep(1).provider());
            assertThat(mockCount(a.dep(0).model())).isEqualTo(1);
        }
    }

    @Test
    void aStreamFailsOverBeforeItsFirstByteButNeverAfter() throws Exception {
        Alias a = alias(Map.of(), List.of(dep("priority", 1), dep("priority", 2)));
        String url = E2eStack.get().url("gateway") + "/v1/chat/completions";

        // the provider fails before answering: the stream is served by the next deployment, whole
        fault(a.dep(0), "status", 503, "count", 1);
        List<String> events = Sse.post(url, a.key(), chatBody(a.name(), true));
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(mockCount(a.dep(1).model())).isEqualTo(1);

        // the provider fails after the first chunks went out: an error event ends the stream, nothing is retried
        fault(a.dep(0), "drop_after", 2, "count", 1);
        List<String> broken = Sse.post(url, a.key(), chatBody(a.name(), true));
        assertThat(broken.stream().filter(StreamingIT::isContent).count()).isEqualTo(2);
        JsonNode last = JSON.readTree(broken.get(broken.size() - 1));
        assertThat(last.at("/error/message").asText()).isNotBlank();
        assertThat(broken).doesNotContain("[DONE]");
        assertThat(mockCount(a.dep(0).model())).isEqualTo(2);
        assertThat(mockCount(a.dep(1).model())).as("no retry once bytes reached the client").isEqualTo(1);
    }

    @Test
    void aStreamThatGoesSilentLongerThanTheIdleTimeoutEndsWithAnError() throws Exception {
        Alias a = alias(Map.of("idle_timeout_ms", 300), List.of(dep()));
        fault(a.dep(0), "token_delay_ms", 2000);
        List<String> events = Sse.post(E2eStack.get().url("gateway") + "/v1/chat/completions", a.key(), chatBody(a.name(), true));
        JsonNode last = JSON.readTree(events.get(events.size() - 1));
        assertThat(last.at("/error/code").asText()).isEqualTo("upstream_timeout");
        assertThat(events).doesNotContain("[DONE]");
    }

    @Test
    void aBreakerOpensAfterRepeatedFailuresProbesAfterItsDelayAndClosesOnRecovery() throws Exception {
        Alias a = alias(Map.of(), List.of(dep("priority", 1), dep("priority", 2)));
        Dep flaky = a.dep(0);
        Dep backup = a.dep(1);
        fault(flaky, "status", 500);

        // a few errors do not open it (the window holds 10 attempts, half of them must fail)
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = chat(a);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "x-nexus-attempts")).isEqualTo("2");
        }
        assertThat(metric("gateway", "nexus_circuit_breaker_state", flaky.id())).isEqualTo(0.0);
        for (int i = 0; i < 6; i++) {
            assertThat(chat(a).statusCode()).isEqualTo(200);
        }
        assertThat(mockCount(flaky.model())).isEqualTo(10);
        assertThat(metric("gateway", "nexus_circuit_breaker_state", flaky.id())).as("open").isEqualTo(2.0);

        // open: the flaky deployment is not even tried
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat(a);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "x-nexus-attempts")).isEqualTo("1");
            assertThat(header(r, "x-nexus-deployment")).isEqualTo(backup.id());
        }
        assertThat(mockCount(flaky.model())).isEqualTo(10);

        // the health matrix and routing-service's metrics follow within seconds (the breaker may be half-open by then)
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath h = health(flaky);
            assertThat(h).isNotNull();
            assertThat(h.getString("breaker")).isIn("OPEN", "HALF_OPEN");
            assertThat(h.getString("status")).isIn("down", "degraded");
            assertThat(h.getLong("failures")).isGreaterThanOrEqualTo(10);
            assertThat(h.getDouble("error_rate")).isEqualTo(1.0);
            assertThat(metric("routing", "nexus_provider_error_ratio", flaky.id())).isEqualTo(1.0);
        });

        // the deployment recovers; after the breaker's delay one request probes it, and the breaker closes
        Fixtures.clearMockFaults();
        AtomicReference<HttpResponse<String>> probe = new AtomicReference<>();
        await().atMost(E2eStack.BREAKER_DELAY.multipliedBy(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = chat(a);
            probe.set(r);
            return flaky.id().equals(header(r, "x-nexus-deployment"));
        });
        assertThat(probe.get().statusCode()).isEqualTo(200);
        assertThat(header(probe.get(), "x-nexus-attempts")).isEqualTo("1");
        assertThat(metric("gateway", "nexus_circuit_breaker_state", flaky.id())).as("closed").isEqualTo(0.0);
        for (int i = 0; i < 5; i++) {
            assertThat(header(chat(a), "x-nexus-deployment")).isEqualTo(flaky.id());
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(health(flaky).getString("breaker")).isEqualTo("CLOSED"));
    }

    @Test
    void clientsHangingUpDoNotOpenTheBreaker() throws Exception {
        // a gateway cancels the provider call of a client that hung up; that is no failure of the provider's, and
        // many clients hanging up at once (a load balancer's timeout, a UI's stop button) must not open its breaker
        Alias a = alias(Map.of(), List.of(dep()));
        Dep only = a.dep(0);
        fault(only, "delay_ms", 5000);
        for (int i = 0; i < 12; i++) {
            hangUpWhileTheProviderThinks(a, only);
        }
        Fixtures.clearMockFaults();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = chat(a);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(header(r, "x-nexus-deployment")).isEqualTo(only.id());
        }
        assertThat(metric("gateway", "nexus_circuit_breaker_state", only.id())).as("closed").isEqualTo(0.0);
    }

    /** Sends a chat request on a raw connection and closes it once the provider has the request, before it answers. */
    static void hangUpWhileTheProviderThinks(Alias a, Dep d) throws Exception {
        URI gateway = URI.create(E2eStack.get().url("gateway"));
        byte[] body = chatBody(a.name(), false).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int before = mockCount(d.model());
        try (java.net.Socket socket = new java.net.Socket(gateway.getHost(), gateway.getPort())) {
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\nAuthorization: Bearer " + a.key()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            java.io.InputStream in = socket.getInputStream();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> mockCount(d.model()) > before || in.available() > 0);
            if (in.available() > 0) {
                byte[] answer = new byte[in.available()];
                int n = in.read(answer);
                throw new AssertionError("the gateway answered without calling the provider: "
                        + new String(answer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void withEveryDeploymentDownTheClientGetsA503WithinTheTotalTimeout() throws Exception {
        Alias down = alias(Map.of("total_timeout_ms", 20_000),
                List.of(dep("priority", 1), dep("priority", 2), dep("priority", 3, "endpoint", "http://127.0.0.1:" + Ports.free() + "/v1")));
        fault(down.dep(0), "status", 500);
        fault(down.dep(1), "status", 502);
        long start = System.nanoTime();
        HttpResponse<String> r = chat(down);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(header(r, "x-nexus-attempts")).isEqualTo("3");
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("service_unavailable");
        assertThat(error.get("code").asText()).isEqualTo("all_deployments_failed");
        assertThat(error.get("message").asText()).contains(down.name()).doesNotContain(E2eStack.MOCK_API_KEY);
        assertThat(tookMs).isLessThan(20_000);

        // hanging deployments: each attempt ends at its first-byte timeout, and the request before the total one
        Alias hanging = alias(Map.of("first_byte_timeout_ms", 300, "total_timeout_ms", 20_000), List.of(dep(), dep(), dep()));
        hanging.deps().forEach(d -> fault(d, "hang", true));
        start = System.nanoTime();
        HttpResponse<String> h = chat(hanging);
        tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(h.statusCode()).as(h.body()).isEqualTo(503);
        assertThat(header(h, "x-nexus-attempts")).isEqualTo("3");
        assertThat(JSON.readTree(h.body()).at("/error/code").asText()).isEqualTo("all_deployments_failed");
        assertThat(tookMs).isBetween(900L, 20_000L);
    }

    @Test
    void theTotalTimeoutEndsARequestWhoseProviderNeverAnswers() throws Exception {
        Alias a = alias(Map.of("first_byte_timeout_ms", 60_000, "total_timeout_ms", 1_000), List.of(dep()));
        fault(a.dep(0), "hang", true);
        long start = System.nanoTime();
        HttpResponse<String> r = chat(a);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(504);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("timeout_error");
        assertThat(error.get("code").asText()).isEqualTo("timeout");
        // the total timer ended it, not the first-byte one (60 s)
        assertThat(tookMs).isBetween(1_000L, 30_000L);
    }

    @Test
    void theLatencyAwareStrategySendsMoreTrafficToTheFasterDeployment() throws Exception {
        Alias a = alias(Map.of("strategy", "latency"), List.of(dep(), dep()));
        Dep fast = a.dep(0);
        Dep slow = a.dep(1);
        fault(slow, "delay_ms", 150);
        Map<String, Integer> counts = new HashMap<>();
        int n = 200;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = chat(a);
            assertThat(r.statusCode()).isEqualTo(200);
            counts.merge(header(r, "x-nexus-deployment"), 1, Integer::sum);
        }
        int toFast = counts.getOrDefault(fast.id(), 0);
        int toSlow = counts.getOrDefault(slow.id(), 0);
        System.out.printf("latency-aware split of %d requests, fast vs +150 ms: %d / %d%n", n, toFast, toSlow);
        // weighted random would give each about half; latency-aware keeps the slow one to its exploration share
        assertThat(toFast).as("split %s", counts).isGreaterThan(4 * toSlow);
        assertThat(toSlow).as("the slow one is still measured now and then").isGreaterThan(0);
    }
}
