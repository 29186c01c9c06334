package io.nexusai.e2e;

import io.nexusai.api.auth.RequestSignature;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Anomalous requests through the real gateway: each kind is provoked as a client would (a wrong key, a wrong
 * signature, a body over the limit, broken JSON, a burst far above a key's quiet baseline) and must show in the
 * gateway's {@code nexus_anomalies_total{type}} and in {@code GET /admin/v1/anomalies}, attributed to the tenant and
 * key when the gateway knows them, never with a key or a body.
 */
class AnomaliesIT {
    enum Type { auth_failure, bad_signature, oversized, malformed, rate_spike }

    static final Pattern METRIC = Pattern.compile("^nexus_anomalies_total\\{[^}]*type=\"([a-z_]+)\"[^}]*} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    static Map<Type, Double> anomalyCounters() {
        String text = given().get(E2eStack.get().managementUrl("gateway") + "/q/metrics").then().statusCode(200).extract().asString();
        Map<Type, Double> counts = new EnumMap<>(Type.class);
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            counts.put(Type.valueOf(m.group(1)), Double.parseDouble(m.group(2)));
        }
        return counts;
    }

    static String chat(String alias) {
        return "{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static io.restassured.specification.RequestSpecification gateway(String key, String requestId) {
        return given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + key)
                .header("x-request-id", requestId).contentType(ContentType.JSON);
    }

    static JsonPath anomalies(Map<String, String> filters) {
        return Fixtures.admin().queryParams(filters).get("/admin/v1/anomalies").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void everyKindIsCountedAndListedWithItsCaller() throws Exception {
        E2eStack stack = E2eStack.get();
        Instant start = Instant.now().minusSeconds(1);
        Map<Type, Double> before = anomalyCounters();
        assertThat(before.keySet()).as("every type is exported from the start").containsExactlyInAnyOrder(Type.values());

        Fixtures.Tenant signing = Fixtures.tenantWithAlias("openai", "gpt-4o");
        Fixtures.awaitRoute(() -> Fixtures.openAi(signing.appKey()).chat().completions().create(ControlPlaneIT.chat(signing.alias())));
        String signingKeyId = Fixtures.admin().get("/admin/v1/tenants/" + signing.id() + "/keys").then().extract().path("[0].id");
        String secret = Fixtures.admin().post("/admin/v1/keys/" + signingKeyId + "/signing").then().statusCode(200)
                .extract().path("signing_secret");
        String run = UUID.randomUUID().toString().substring(0, 8);

        // auth_failure: a key nobody issued
        String badKey = "nx-app-" + "NotAKey" + run + "0123456789abcdefghij";
        gateway(badKey, "anomaly-auth-" + run).body(chat(signing.alias())).post("/v1/chat/completions").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));

        // auth_failure too: a wrong key on the usage API the gateway relays to metering-service
        gateway(badKey, "anomaly-usage-" + run).get("/v1/usage").then().statusCode(401);

        // bad_signature: the right key, a signature over another body (the change event may take a moment to arrive)
        long now = System.currentTimeMillis() / 1000;
        String wrong = RequestSignature.sign(secret, "POST", "/v1/chat/completions", now, "{}".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway(signing.appKey(), "anomaly-sig-" + run)
                .header(RequestSignature.TIMESTAMP_HEADER, Long.toString(now)).header(RequestSignature.SIGNATURE_HEADER, wrong)
                .body(chat(signing.alias())).post("/v1/chat/completions").then().extract().statusCode() == 401);

        // oversized: a body past the gateway's 8 MB limit, from the same (known) key
        String huge = "{\"model\":\"" + signing.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(9 * 1024 * 1024)
                + "\"}]}";
        gateway(signing.appKey(), "anomaly-big-" + run).body(huge).post("/v1/chat/completions").then().statusCode(413)
                .body("error.code", equalTo("request_too_large"));

        // malformed: JSON cut short
        gateway(signing.appKey(), "anomaly-json-" + run).body("{\"model\":").post("/v1/chat/completions").then().statusCode(400)
                .body("error.code", equalTo("invalid_json"));

        // rate_spike: a fresh key, quiet for a few intervals (sequential, ≤ 4 requests a second: ≤ 8 per 2 s interval),
        // then a burst of 200 requests (its threshold is max(30, 4 × baseline + 1) ≤ 33 per interval)
        Fixtures.Tenant busy = Fixtures.tenantWithAlias("openai", "gpt-4o");
        String busyKeyId = Fixtures.admin().get("/admin/v1/tenants/" + busy.id() + "/keys").then().extract().path("[0].id");
        long quietUntil = System.nanoTime() + Duration.ofSeconds(7).toNanos();
        while (System.nanoTime() < quietUntil) {
            gateway(busy.appKey(), "quiet-" + run).get("/v1/models").then().statusCode(200);
            Thread.sleep(250);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> burst = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                burst.add(pool.submit(() -> gateway(busy.appKey(), "burst-" + run).get("/v1/models").then().extract().statusCode()));
            }
            for (Future<Integer> f : burst) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }

        // the metric: every type went up
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<Type, Double> after = anomalyCounters();
            for (Type t : Type.values()) {
                assertThat(after.get(t)).as(t.name()).isGreaterThanOrEqualTo(before.get(t) + 1);
            }
        });

        // the admin API: each provocation, with its caller when the gateway knew the key
        Map<String, String> since = Map.of("since", start.toString());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonPath all = anomalies(Map.of("since", start.toString(), "limit", "1000"));
            Map<String, Map<String, Object>> byRequest = new HashMap<>();
            for (Map<String, Object> e : all.<Map<String, Object>>getList("data")) {
                byRequest.putIfAbsent((String) e.get("request_id"), e);
            }
            assertThat(byRequest.get("anomaly-auth-" + run)).as("auth failure").isNotNull()
                    .containsEntry("type", "auth_failure").containsEntry("tenant_id", "unknown").containsEntry("key_id", "unknown")
                    .containsEntry("status", 401).containsEntry("detail", "invalid_api_key");
            assertThat(byRequest.get("anomaly-sig-" + run)).as("bad signature").isNotNull()
                    .containsEntry("type", "bad_signature").containsEntry("tenant_id", signing.id()).containsEntry("key_id", signingKeyId)
                    .containsEntry("detail", "invalid_signature");
            assertThat(byRequest.get("anomaly-big-" + run)).as("oversized").isNotNull()
                    .containsEntry("type", "oversized").containsEntry("tenant_id", signing.id()).containsEntry("status", 413);
            assertThat(byRequest.get("anomaly-json-" + run)).as("malformed").isNotNull()
                    .containsEntry("type", "malformed").containsEntry("tenant_id", signing.id()).containsEntry("detail", "invalid_json");
            JsonPath spikes = anomalies(Map.of("since", start.toString(), "type", "rate_spike", "tenant", busy.id()));
            assertThat(spikes.getList("data")).isNotEmpty();
            assertThat(spikes.getString("data[0].key_id")).isEqualTo(busyKeyId);
            assertThat(spikes.getString("data[0].request_id")).isEqualTo("burst-" + run);
            assertThat(spikes.getString("data[0].detail")).contains("requests in 2s, baseline");
            assertThat(spikes.getLong("totals.rate_spike")).isGreaterThanOrEqualTo(1);
            // the chat call and the relayed usage call with the wrong key (one entry when they fall in one flush period)
            assertThat(all.getLong("totals.auth_failure")).isGreaterThanOrEqualTo(2);
        });
        // the quiet phase alone was never a spike
        assertThat(anomalies(Map.of("since", start.toString(), "type", "rate_spike", "tenant", busy.id())).getList("data.request_id"))
                .doesNotContain("quiet-" + run);
        // filters narrow: only the signing tenant's entries, none of them a rate spike
        JsonPath mine = anomalies(Map.of("since", start.toString(), "tenant", signing.id()));
        assertThat(mine.getList("data.tenant_id")).containsOnly(signing.id());
        assertThat(mine.getList("data.type")).contains("bad_signature", "oversized", "malformed").doesNotContain("rate_spike");
        // nothing secret was recorded
        String everything = Fixtures.admin().queryParams(since).queryParam("limit", "1000").get("/admin/v1/anomalies").asString();
        assertThat(everything).doesNotContain(badKey, signing.appKey(), busy.appKey(), secret, "xxxxxxxx");
        // bad filters: the envelope with the param
        Fixtures.admin().queryParam("type", "nope").get("/admin/v1/anomalies").then().statusCode(400).body("error.param", equalTo("type"));
        // and the admin OpenAPI document lists the endpoint
        assertThat(given().get(stack.managementUrl("admin") + "/q/openapi").then().statusCode(200).extract().asString())
                .contains("/admin/v1/anomalies");
    }
}
