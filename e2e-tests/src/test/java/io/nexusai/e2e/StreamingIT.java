package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.mock.TokenCounter;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Streaming behaviour end to end: no buffering, exact usage with and without client-requested usage, a client
 * that leaves cancels the upstream and is billed for what it got, a provider failing mid-stream ends the stream
 * with an error event.
 */
@Order(5)
class StreamingIT {
    static final ObjectMapper JSON = new ObjectMapper();

    static String body(String alias, String text, Map<String, Object> extra) throws Exception {
        Map<String, Object> b = new java.util.HashMap<>(Map.of("model", alias, "stream", true,
                "messages", List.of(Map.of("role", "user", "content", text))));
        b.putAll(extra);
        return JSON.writeValueAsString(b);
    }

    static boolean isContent(String data) {
        if (data.equals("[DONE]")) {
            return false;
        }
        try {
            JsonNode delta = JSON.readTree(data).at("/choices/0/delta/content");
            return delta.isTextual() && !delta.asText().isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** The usage row metering stored for a request, found by the client's x-request-id through the gateway. */
    static JsonPath usageRow(Fixtures.Tenant t, String clientRequestId) {
        AtomicReference<JsonPath> row = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath events = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                    .queryParam("request_id", clientRequestId).get("/v1/usage/events").then().statusCode(200).extract().jsonPath();
            assertThat(events.getList("data")).hasSize(1);
            row.set(events);
        });
        return row.get();
    }

    @Test
    void eachEventReachesTheClientBeforeTheProviderSendsTheNext() throws Exception {
        String model = Fixtures.uniqueModel("slow");
        Fixtures.Tenant t = Fixtures.tenantWithAlias("openai", model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        Fixtures.mockFault(Map.of("model", model, "token_delay_ms", 1500));
        long before = Fixtures.mockStats().getLong("content_chunks_sent");
        AtomicLong sentWhenFirstArrived = new AtomicLong(-1);
        AtomicInteger contentEvents = new AtomicInteger();
        List<String> events = new ArrayList<>();
        Sse.streamWhile(E2eStack.get().url("gateway") + "/v1/chat/completions", t.appKey(),
                body(t.alias(), "one two three four five", Map.of("max_tokens", 3)), Map.of(), data -> {
                    events.add(data);
                    if (isContent(data) && contentEvents.incrementAndGet() == 1) {
                        sentWhenFirstArrived.set(Fixtures.mockStats().getLong("content_chunks_sent") - before);
                    }
                    return true;
                });
        Fixtures.clearMockFaults();
        // when the client had the first content event, the provider had sent exactly one: nothing was held back
        assertThat(sentWhenFirstArrived.get()).isEqualTo(1);
        assertThat(contentEvents.get()).isEqualTo(3);
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini", "bedrock"})
    void streamUsageIsExactWhetherOrNotTheClientAskedForIt(String kind) throws Exception {
        Fixtures.Tenant t = Fixtures.tenantWithAlias(kind, Fixtures.uniqueModel("usage"));
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        String text = "Count my tokens exactly, " + kind;
        String reply = MockProviderServer.REPLY_PREFIX + t.realModel() + ": " + text;
        long prompt = DataPlaneIT.promptTokens(kind, text);
        for (boolean asked : new boolean[]{false, true}) {
            String id = "usage-" + asked + "-" + UUID.randomUUID();
            List<String> events = new ArrayList<>();
            Sse.streamWhile(E2eStack.get().url("gateway") + "/v1/chat/completions", t.appKey(),
                    body(t.alias(), text, asked ? Map.of("stream_options", Map.of("include_usage", true)) : Map.of()),
                    Map.of("x-request-id", id), events::add);
            boolean sawUsage = events.stream().anyMatch(e -> e.contains("\"usage\":{"));
            assertThat(sawUsage).as("usage chunk shown only when asked").isEqualTo(asked);
            JsonPath row = usageRow(t, id);
            assertThat(row.getLong("data[0].prompt_tokens")).isEqualTo(prompt);
            assertThat(row.getLong("data[0].completion_tokens")).isEqualTo(TokenCounter.count(reply));
            assertThat(row.getBoolean("data[0].estimated")).isFalse();
            assertThat(row.getBoolean("data[0].stream")).isTrue();
        }
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamAndIsBilledForWhatWasDelivered() throws Exception {
        String model = Fixtures.uniqueModel("long");
        Fixtures.Tenant t = Fixtures.tenantWithAlias("openai", model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        Fixtures.mockFault(Map.of("model", model, "token_delay_ms", 200));
        String text = "a rather long question ".repeat(20);
        long fullReply = TokenCounter.count(MockProviderServer.REPLY_PREFIX + model + ": " + text);
        long cancelledBefore = Fixtures.mockStats().getLong("cancelled_streams");
        String id = "leave-" + UUID.randomUUID();
        AtomicInteger received = new AtomicInteger();
        Sse.streamWhile(E2eStack.get().url("gateway") + "/v1/chat/completions", t.appKey(), body(t.alias(), text, Map.of()),
                Map.of("x-request-id", id), data -> !isContent(data) || received.incrementAndGet() < 3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Fixtures.mockStats().getLong("cancelled_streams")).isGreaterThan(cancelledBefore));
        Fixtures.clearMockFaults();
        JsonPath row = usageRow(t, id);
        assertThat(row.getInt("data[0].status")).isEqualTo(499);
        assertThat(row.getBoolean("data[0].estimated")).isTrue();
        assertThat(row.getLong("data[0].completion_tokens")).isBetween(3L, fullReply - 1);
        assertThat(row.getLong("data[0].prompt_tokens")).isGreaterThan(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void aProviderFailingMidStreamEndsTheStreamWithAnErrorEvent(String kind) throws Exception {
        String model = Fixtures.uniqueModel("drop");
        Fixtures.Tenant t = Fixtures.tenantWithAlias(kind, model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        Fixtures.mockFault(Map.of("model", model, "drop_after", 2, "count", 2));
        String id = "drop-" + UUID.randomUUID();
        List<String> events = new ArrayList<>();
        Sse.streamWhile(E2eStack.get().url("gateway") + "/v1/chat/completions", t.appKey(),
                body(t.alias(), "please fail in the middle of this answer", Map.of()), Map.of("x-request-id", id), events::add);
        assertThat(events.stream().filter(StreamingIT::isContent).count()).isEqualTo(2);
        String last = events.get(events.size() - 1);
        assertThat(last).startsWith("{\"error\":");
        assertThat(JSON.readTree(last).at("/error/code").asText()).isIn("upstream_stream_error", "upstream_unreachable");
        assertThat(events).doesNotContain("[DONE]");

        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(t.alias()).addUserMessage("fail again").build();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = Fixtures.openAi(t.appKey()).chat().completions().createStreaming(params)) {
                stream.stream().forEach(c -> { });
            }
        }).isInstanceOf(Exception.class);

        JsonPath row = usageRow(t, id);
        assertThat(row.getInt("data[0].status")).isEqualTo(502);
        assertThat(row.getBoolean("data[0].estimated")).isTrue();
        assertThat(row.getLong("data[0].completion_tokens")).isGreaterThan(0);
    }
}
