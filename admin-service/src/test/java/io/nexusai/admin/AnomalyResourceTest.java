package io.nexusai.admin;

import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code GET /admin/v1/anomalies} over a real Redis holding entries written as the gateway writes them
 * ({@code XADD <anomaly stream> MAXLEN ~ n * <AnomalyEntry fields>}).
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class AnomalyResourceTest {
    static final String PATH = "/admin/v1/anomalies";
    static final long T0 = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();

    @Inject
    RedisDataSource redis;
    @Inject
    PlatformSecrets secrets;

    @BeforeEach
    void seed() {
        String stream = secrets.redisNames().anomalyStream();
        redis.key().del(stream);
        // oldest first, as gateways append them; the entry ids are the write times (a little after the first request)
        List<AnomalyEntry> entries = List.of(
                new AnomalyEntry(T0, T0 + 900, AnomalyType.AUTH_FAILURE, null, null, "req-1", "10.0.0.9", 401, "invalid_api_key", 40),
                new AnomalyEntry(T0 + 1_000, T0 + 1_000, AnomalyType.BAD_SIGNATURE, "acme", "key_a1", "req-2", "10.0.0.1", 401,
                        "invalid_signature", 2),
                new AnomalyEntry(T0 + 2_000, T0 + 2_000, AnomalyType.OVERSIZED, "acme", "key_a1", "req-3", "10.0.0.1", 413,
                        "request_too_large", 1),
                new AnomalyEntry(T0 + 3_000, T0 + 3_500, AnomalyType.MALFORMED, "globex", "key_g1", "req-4", "10.0.0.2", 400,
                        "invalid_json", 5),
                new AnomalyEntry(T0 + 4_000, T0 + 4_000, AnomalyType.RATE_SPIKE, "globex", "key_g1", "req-5", "10.0.0.2", 200,
                        "31 requests in 60s, baseline 10.0", 1),
                new AnomalyEntry(T0 + 5_000, T0 + 5_000, AnomalyType.AUTH_FAILURE, null, null, "req-6", "10.0.0.9", 401, "invalid_api_key", 7));
        for (AnomalyEntry e : entries) {
            List<String> args = new ArrayList<>(List.of(stream, "MAXLEN", "~", "10000", (e.firstMs() + 800) + "-0"));
            args.addAll(e.fields());
            redis.execute("XADD", args.toArray(String[]::new));
        }
    }

    @Test
    void newestFirstWithTotalsPerType() {
        JsonPath page = admin().get(PATH).then().statusCode(200).body("object", equalTo("list")).extract().jsonPath();
        assertThat(page.getList("data.request_id")).containsExactly("req-6", "req-5", "req-4", "req-3", "req-2", "req-1");
        assertThat(page.getMap("totals")).containsExactlyInAnyOrderEntriesOf(Map.of("auth_failure", 47, "bad_signature", 2,
                "oversized", 1, "malformed", 5, "rate_spike", 1));
        assertThat(page.getBoolean("has_more")).isFalse();
        Map<String, Object> first = page.getMap("data[5]");
        assertThat(first).containsEntry("type", "auth_failure").containsEntry("tenant_id", "unknown").containsEntry("key_id", "unknown")
                .containsEntry("client", "10.0.0.9").containsEntry("status", 401).containsEntry("detail", "invalid_api_key")
                .containsEntry("count", 40).containsEntry("first_seen", "2026-03-01T12:00:00Z")
                .containsEntry("last_seen", "2026-03-01T12:00:00.900Z").containsEntry("id", (T0 + 800) + "-0");
    }

    @Test
    void filtersByTypeTenantAndTime() {
        JsonPath byType = admin().queryParam("type", "auth_failure").get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(byType.getList("data.request_id")).containsExactly("req-6", "req-1");
        assertThat(byType.getMap("totals")).containsEntry("auth_failure", 47).containsEntry("malformed", 0);

        JsonPath byTenant = admin().queryParam("tenant", "globex").get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(byTenant.getList("data.type")).containsExactly("rate_spike", "malformed");
        assertThat(byTenant.getList("data.key_id")).containsOnly("key_g1");
        assertThat(admin().queryParam("tenant", "unknown").get(PATH).then().statusCode(200).extract().jsonPath()
                .getList("data.request_id")).containsExactly("req-6", "req-1");

        // since inclusive, until exclusive; ISO-8601 or Unix seconds alike
        JsonPath window = admin().queryParam("since", "2026-03-01T12:00:01Z").queryParam("until", Long.toString((T0 + 4_000) / 1000))
                .get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(window.getList("data.request_id")).containsExactly("req-4", "req-3", "req-2");
        assertThat(window.getMap("totals")).containsEntry("auth_failure", 0).containsEntry("bad_signature", 2);
        JsonPath offset = admin().queryParam("since", "2026-03-01T13:00:04+01:00").get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(offset.getList("data.request_id")).containsExactly("req-6", "req-5");
        assertThat(admin().queryParam("since", "2026-03-02T00:00:00Z").get(PATH).then().statusCode(200).extract().jsonPath()
                .getList("data")).isEmpty();
    }

    @Test
    void limitKeepsTheNewestAndTotalsCountEverything() {
        JsonPath page = admin().queryParam("limit", "2").get(PATH).then().statusCode(200).extract().jsonPath();
        assertThat(page.getList("data.request_id")).containsExactly("req-6", "req-5");
        assertThat(page.getBoolean("has_more")).isTrue();
        assertThat(page.getMap("totals")).containsEntry("auth_failure", 47).containsEntry("bad_signature", 2);
    }

    @Test
    void badFiltersAre400WithTheParam() {
        Map<String, List<String>> bad = Map.of(
                "type", List.of("auth-failure", "AUTH_FAILURE", "rate_spike ", "' OR 1=1"),
                "tenant", List.of("ACME", "a b", "x".repeat(64), "'; DEL *"),
                "since", List.of("yesterday", "2026-03-01", "2026-03-01T00:00:00", "-1", "1e9", "99999999999999", "+999999999-01-01T00:00:00Z"),
                "until", List.of("now", "2026-13-01T00:00:00Z", "1.5"),
                "limit", List.of("0", "1001", "-1", "abc", "1.5", "５"));
        bad.forEach((param, values) -> {
            for (String v : values) {
                io.restassured.response.Response r = admin().queryParam(param, v).get(PATH);
                assertThat(r.statusCode()).as(param + "=" + v).isEqualTo(400);
                assertThat(r.jsonPath().getString("error.type")).as(param + "=" + v).isEqualTo("invalid_request_error");
                assertThat(r.jsonPath().getString("error.param")).as(param + "=" + v).isEqualTo(param);
            }
        });
        admin().queryParam("since", "2026-03-01T12:00:05Z").queryParam("until", "2026-03-01T12:00:05Z").get(PATH).then().statusCode(400)
                .body("error.param", equalTo("since"));
    }

    @Test
    void anAdminKeyIsRequired() {
        given().get(PATH).then().statusCode(401).body("error.type", equalTo("authentication_error"));
        given().header("Authorization", "Bearer nx-adm-" + "Wrong".repeat(8)).get(PATH).then().statusCode(401);
    }
}
