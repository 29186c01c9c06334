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
        UsageEvent firstEvent = event(tenant, first, "gpt-4o", 1000, 500, "2");
        publish(firstEvent);
        publish(firstEvent);          // redelivered duplicate: the same event, its timestamp too
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

    static UsageEvent withCache(UsageEvent e, long cached, long cacheWrite, long reasoning) {
        return new UsageEvent(e.requestId(), e.clientRequestId(), e.timestampMs(), e.tenantId(), e.keyId(), e.endpoint(), e.alias(),
                e.providerId(), e.provider(), e.deploymentId(), e.realModel(), e.stream(), e.status(), e.promptTokens(),
                e.completionTokens(), e.estimated(), e.latencyMs(), e.costMultiplier(), e.traceId(), cached, cacheWrite, reasoning);
    }

    /**
     * Cached and cache-write tokens are priced at their own rates (the preloaded ones), reasoning tokens once, as
     * output; all three are stored per event, summed in the rollups and shown by the usage API.
     */
    @Test
    void cachedAndReasoningTokensArePricedAtTheirOwnRatesAndReported() throws Exception {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        String openAi = UUID.randomUUID().toString();
        // OpenAI: 2000 prompt tokens of which 1536 cached, 700 completion tokens of which 512 reasoning
        publish(withCache(event(tenant, openAi, "gpt-4o", 2000, 700, "1.5"), 1536, 0, 512));
        // Anthropic: input_tokens 37 + cache read 3000 + cache creation 1200 = prompt 4237
        publish(withCache(event(tenant, UUID.randomUUID().toString(), "claude-3-5-haiku-latest", 4237, 333, "1"), 3000, 1200, 0));
        // gpt-4-turbo has no cached-input rate: its cached tokens cost the input rate
        publish(withCache(event(tenant, UUID.randomUUID().toString(), "gpt-4-turbo", 100, 10, "1"), 50, 0, 0));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0).requests()).isEqualTo(3));
        List<UsageRepository.StoredEvent> events = usage.events(new UsageRepository.Filter(tenant, Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(60), null, null, null, null, openAi), 10).await().indefinitely();
        assertThat(events).hasSize(1);
        UsageRepository.StoredEvent e = events.get(0);
        assertThat(e.cachedTokens()).isEqualTo(1536);
        assertThat(e.cacheWriteTokens()).isZero();
        assertThat(e.reasoningTokens()).isEqualTo(512);
        assertThat(e.totalTokens()).isEqualTo(2700);
        // gpt-4o: 2.50 input, 1.25 cached input, 10.00 output: (464 × 2.50 + 1536 × 1.25 + 700 × 10) / 1M × 1.5
        //       = (1160 + 1920 + 7000) / 1M × 1.5 = 0.01512
        assertThat(e.cost()).isEqualByComparingTo("0.01512");
        assertThat(e.cost().stripTrailingZeros().toPlainString()).isEqualTo("0.01512");

        // haiku: 0.80 input, 0.08 cache read, 1.00 cache write, 4.00 output:
        //   (37 × 0.80 + 3000 × 0.08 + 1200 × 1.00 + 333 × 4.00) / 1M = (29.6 + 240 + 1200 + 1332) / 1M = 0.0028016
        // gpt-4-turbo: (100 × 10 + 10 × 30) / 1M = 0.0013
        String expected = "0.0192216"; // 0.01512 + 0.0028016 + 0.0013
        for (UsageRepository.Source source : UsageRepository.Source.values()) {
            UsageRepository.Totals t = usage.totals(tenantFilter(tenant), null, source).await().indefinitely().get(0);
            assertThat(t.cost()).as(source.name()).isEqualByComparingTo(expected);
            assertThat(t.promptTokens()).isEqualTo(2000 + 4237 + 100);
            assertThat(t.cachedTokens()).isEqualTo(1536 + 3000 + 50);
            assertThat(t.cacheWriteTokens()).isEqualTo(1200);
            assertThat(t.reasoningTokens()).isEqualTo(512);
        }
        // the rollups (a whole-minute window) agree with the events
        Instant minute = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        UsageRepository.Filter wholeMinutes = new UsageRepository.Filter(tenant, minute.minus(Duration.ofHours(1)),
                minute.plus(Duration.ofMinutes(1)), null, null, null, null, null);
        List<UsageRepository.Totals> byHour = usage.totals(wholeMinutes, "hour").await().indefinitely();
        assertThat(byHour.stream().mapToLong(UsageRepository.Totals::cachedTokens).sum()).isEqualTo(4586);
        assertThat(byHour.stream().map(UsageRepository.Totals::cost).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(expected);

        // what /v1/usage and /v1/usage/events answer with
        var totals = mapper.valueToTree(io.nexusai.metering.rest.UsageResource.Totals.of(
                usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0)));
        assertThat(totals.path("cached_tokens").asLong()).isEqualTo(4586);
        assertThat(totals.path("cache_write_tokens").asLong()).isEqualTo(1200);
        assertThat(totals.path("reasoning_tokens").asLong()).isEqualTo(512);
        assertThat(totals.path("total_tokens").asLong()).isEqualTo(2000 + 4237 + 100 + 700 + 333 + 10);
        assertThat(totals.path("cost").decimalValue()).isEqualByComparingTo(expected);
        var stored = mapper.valueToTree(e);
        assertThat(stored.path("cached_tokens").asLong()).isEqualTo(1536);
        assertThat(stored.path("reasoning_tokens").asLong()).isEqualTo(512);
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
        UsageEvent sent = event(tenant, requestId, "gpt-4o", 1000, 500, "1");
        publish(sent);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(usage.totals(tenantFilter(tenant), null).await().indefinitely().get(0).requests()).isEqualTo(1));

        publish(sent); // the replay: the same event (the journal keeps it as sent, timestamp included)
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
