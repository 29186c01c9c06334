package io.nexusai.gateway.anomaly;

import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.redis.client.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Refusals of the real gateway routes (no control plane needed: these fail before a key is resolved) are counted
 * in {@code nexus_anomalies_total{type}} and reach the anomaly stream in a real Redis.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class AnomalyRecordingTest {
    static final String CHAT = "/v1/chat/completions";

    @Inject
    MeterRegistry registry;
    @Inject
    RedisDataSource redis;
    @Inject
    PlatformSecrets secrets;
    @Inject
    AnomalyDetector detector;

    double count(AnomalyType type) {
        return registry.get("nexus.anomalies").tag("type", type.wire()).counter().count();
    }

    List<AnomalyEntry> stream() {
        Response reply = redis.execute("XRANGE", secrets.redisNames().anomalyStream(), "-", "+").getDelegate();
        List<AnomalyEntry> entries = new ArrayList<>();
        for (Response message : reply) {
            Map<String, String> fields = new HashMap<>();
            Response flat = message.get(1);
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                fields.put(flat.get(i).toString(), flat.get(i + 1).toString());
            }
            entries.add(AnomalyEntry.fromFields(fields));
        }
        return entries;
    }

    @Test
    void refusalsAreCountedAndRecorded() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        detector.flush(); // a new aggregation period: earlier tests' refusals from this client are not merged with these
        double malformed = count(AnomalyType.MALFORMED);
        double auth = count(AnomalyType.AUTH_FAILURE);
        double oversized = count(AnomalyType.OVERSIZED);
        for (int i = 0; i < 5; i++) {
            given().contentType(ContentType.JSON).header("x-request-id", "json-" + run).body("{\"model\":").post(CHAT).then().statusCode(400);
        }
        given().contentType(ContentType.XML).header("x-request-id", "xml-" + run).body("<chat/>").post(CHAT).then().statusCode(415);
        given().contentType(ContentType.JSON).header("x-request-id", "nokey-" + run)
                .body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").post(CHAT).then().statusCode(401);
        given().contentType(ContentType.JSON).header("x-request-id", "big-" + run).body("x".repeat(9 * 1024 * 1024)).post(CHAT).then()
                .statusCode(413);
        // an ordinary refusal is no anomaly
        given().contentType(ContentType.JSON).body("{}").post("/v1/nothing").then().statusCode(404);

        assertThat(count(AnomalyType.MALFORMED)).isEqualTo(malformed + 6);
        assertThat(count(AnomalyType.AUTH_FAILURE)).isEqualTo(auth + 1);
        assertThat(count(AnomalyType.OVERSIZED)).isEqualTo(oversized + 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, AnomalyEntry> byRequest = new HashMap<>();
            long malformedCount = 0;
            for (AnomalyEntry e : stream()) {
                byRequest.putIfAbsent(e.requestId(), e);
                if (e.requestId().equals("json-" + run) || e.requestId().equals("xml-" + run)) {
                    assertThat(e.type()).isEqualTo(AnomalyType.MALFORMED);
                    assertThat(e.tenantId()).isEqualTo(AnomalyEntry.UNKNOWN);
                    assertThat(e.keyId()).isEqualTo(AnomalyEntry.UNKNOWN);
                    assertThat(e.client()).isEqualTo("127.0.0.1");
                    malformedCount += e.count();
                }
            }
            // six malformed requests from one client: aggregated into one entry per flush period (usually one)
            assertThat(malformedCount).isEqualTo(6);
            assertThat(byRequest.get("json-" + run).detail()).isEqualTo("invalid_json");
            assertThat(byRequest.get("nokey-" + run)).isNotNull().extracting(AnomalyEntry::type).isEqualTo(AnomalyType.AUTH_FAILURE);
            assertThat(byRequest.get("big-" + run)).as(byRequest.toString()).isNotNull().extracting(AnomalyEntry::status).isEqualTo(413);
        });
    }
}
