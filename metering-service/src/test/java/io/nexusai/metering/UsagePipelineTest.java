package io.nexusai.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class UsagePipelineTest {
    @Inject
    RedisDataSource redis;
    @Inject
    UsageRepository usage;
    @Inject
    ObjectMapper mapper;

    String stream() {
        return "{" + RedisTestResource.namespace() + "}:usage";
    }

    void publish(UsageEvent e) throws Exception {
        redis.stream(String.class).xadd(stream(), Map.of("e", mapper.writeValueAsString(e)));
    }

    static UsageEvent event(String tenant, String requestId, String realModel, long prompt, long completion, String multiplier) {
        return new UsageEvent(requestId, null, System.currentTimeMillis(), tenant, "key_test", "chat.completions", "nexus-gpt4",
                1, "mock", 1, realModel, false, 200, prompt, completion, false, 12, new BigDecimal(multiplier), null);
    }

    UsageRepository.Filter tenantFilter(String tenant) {
        return new UsageRepository.Filter(tenant, Instant.now().minus(Duration.ofHours(1)), Instant.now().plusSeconds(60),
                null, null, null, null, null);
    }

    @Test
    void theTraceIdIsStoredWhenItIsAW3cIdAndEventsWithoutOneStillCount() throws Exception {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        String traced = UUID.randomUUID().toString(), bogus = UUID.randomUUID().toString(), old = UUID.randomUUID().toString();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        publish(withTrace(event(tenant, traced, "gpt-4o", 10, 5, "1"), traceId));
        publish(withTrace(event(tenant, bogus, "gpt-4o", 10, 5, "1"), "not-a-trace-id\n" + traceId));
        // an entry from before trace ids: no trace_id field at all
        String json = mapper.writeValueAsString(event(tenant, old, "gpt-4o", 10, 5, "1"));
        assertThat(json).doesNotContain("trace_id");
        redis.stream(String.class).xadd(stream(), Map.of("e", json));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0).requests()).isEqualTo(3));
        assertThat(storedTraceId(tenant, traced)).isEqualTo(traceId);
        assertThat(storedTraceId(tenant, bogus)).isNull();
        assertThat(storedTraceId(tenant, old)).isNull();
    }

    private static UsageEvent withTrace(UsageEvent e, String traceId) {
        return new UsageEvent(e.requestId(), e.clientRequestId(), e.timestampMs(), e.tenantId(), e.keyId(), e.endpoint(), e.alias(),
                e.providerId(), e.provider(), e.deploymentId(), e.realModel(), e.stream(), e.status(), e.promptTokens(),
                e.completionTokens(), e.estimated(), e.latencyMs(), e.costMultiplier(), traceId);
    }

    private String storedTraceId(String tenant, String requestId) {
        List<UsageRepository.StoredEvent> events = usage.events(new UsageRepository.Filter(tenant, Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(60), null, null, null, null, requestId), 10).await().indefinitely();
        assertThat(events).hasSize(1);
        return events.get(0).traceId();
    }

    @Test
    void eventsAreStoredOncePricedExactlyAndMalformedOnesDropped() throws Exception {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        String first = UUID.randomUUID().toString();
        publish(event(tenant, first, "gpt-4o", 1000, 500, "2"));
        publish(event(tenant, first, "gpt-4o", 1000, 500, "2"));          // redelivered duplicate
        publish(event(tenant, UUID.randomUUID().toString(), "no-price-model", 7, 3, "1"));
        redis.stream(String.class).xadd(stream(), Map.of("e", "{not json"));
        redis.stream(String.class).xadd(stream(), Map.of("other", "x"));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            List<UsageRepository.Totals> totals = usage.totals(tenantFilter(tenant), null).await().indefinitely();
            assertThat(totals.get(0).requests()).isEqualTo(2);
        });
        UsageRepository.Totals t = usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0);
        assertThat(t.promptTokens()).isEqualTo(1007);
        assertThat(t.completionTokens()).isEqualTo(503);
        // gpt-4o: 2.50 in / 10.00 out per 1M tokens; (1000*2.5 + 500*10) / 1e6 * 2 = 0.015
        assertThat(t.cost()).isEqualByComparingTo("0.015");

        List<UsageRepository.StoredEvent> events = usage.events(new UsageRepository.Filter(tenant, Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(60), null, null, null, null, first), 10).await().indefinitely();
        assertThat(events).hasSize(1);
        assertThat(events.get(0).totalTokens()).isEqualTo(1500);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(redis.stream(String.class).xpending(stream(), "metering").getPendingCount()).isZero());
    }

    /**
     * What a gateway does after a crash: it sends again the events whose acknowledgement from Redis it had not yet
     * recorded, long after metering stored them (another batch, another transaction). They are skipped: one row, and
     * the rollups the usage API reads count the request once.
     */
    @Test
    void anEventSentAgainAfterItWasStoredCountsOnce() throws Exception {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        String requestId = UUID.randomUUID().toString();
        publish(event(tenant, requestId, "gpt-4o", 1000, 500, "1"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0).requests()).isEqualTo(1));

        publish(event(tenant, requestId, "gpt-4o", 1000, 500, "1")); // the replay
        publish(event(tenant, UUID.randomUUID().toString(), "gpt-4o", 7, 3, "1")); // and a new request after it
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0).requests()).isEqualTo(2));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(redis.stream(String.class).xpending(stream(), "metering").getPendingCount()).isZero());

        UsageRepository.Totals t = usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0);
        assertThat(t.requests()).isEqualTo(2);
        assertThat(t.promptTokens()).isEqualTo(1007);
        assertThat(t.completionTokens()).isEqualTo(503);
        List<UsageRepository.Totals> byHour = usage.totals(tenantFilter(tenant), "hour").await().indefinitely();
        assertThat(byHour.stream().mapToLong(UsageRepository.Totals::requests).sum()).isEqualTo(2);
        assertThat(usage.events(new UsageRepository.Filter(tenant, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60),
                null, null, null, null, requestId), 10).await().indefinitely()).hasSize(1);
    }

    @Test
    void usageApiNeedsAKey() {
        given().get("/v1/usage").then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
        given().header("Authorization", "Basic abc").get("/v1/usage/events").then().statusCode(401);
    }
}
