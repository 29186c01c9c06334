package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.provider.sse.SseDecoder;
import io.nexusai.gateway.provider.sse.SseEvent;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The Messages ingress passed through natively to Anthropic: recorded Anthropic bodies and streams cut at every byte. */
class AnthropicMessagesPassthroughTest {
    static final String ALIAS = "nexus-claude";
    static final Deployment ANTHROPIC = Recorded.deployment(ProviderKind.ANTHROPIC, "https://api.anthropic.com/", "claude-sonnet-4-5",
            Map.of("anthropic_version", "2023-06-01"));

    static AnthropicMessagesPassthrough passthrough() {
        return new AnthropicMessagesPassthrough(Recorded.MAPPER, ANTHROPIC, ALIAS, null, null);
    }

    @Test
    void theBodyGoesUpstreamAsItIsButForTheModelWithTheClientsVersionAndBetaHeaders() {
        String body = """
                {"model":"nexus-claude","max_tokens":100,"system":[{"type":"text","text":"sys","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":"hi"}],"top_k":5,"thinking":{"type":"enabled","budget_tokens":2048},
                 "future_field":{"x":[1,2]}}""";
        ObjectNode client = json(body);
        UpstreamRequest request = new AnthropicMessagesPassthrough(Recorded.MAPPER, ANTHROPIC, ALIAS, "2024-01-01",
                "prompt-caching-2024-07-31,interleaved-thinking-2025-05-14").request(client, false);
        assertThat(request.url()).isEqualTo("https://api.anthropic.com/v1/messages");
        assertThat(request.headers()).isEqualTo(Map.of("anthropic-version", "2024-01-01",
                "anthropic-beta", "prompt-caching-2024-07-31,interleaved-thinking-2025-05-14"));
        ObjectNode expected = json(body);
        expected.put("model", "claude-sonnet-4-5");
        assertThat(json(request.body())).isEqualTo(expected);
        assertThat(client).as("the client's body is left as it was (failover reuses it)").isEqualTo(json(body));
        assertThat(passthrough().request(json(body), false).headers()).isEqualTo(Map.of("anthropic-version", "2023-06-01"));
    }

    @Test
    void countTokensTakesOnlyTheFieldsThatEndpointAccepts() {
        UpstreamRequest request = passthrough().countTokens(json("""
                {"model":"nexus-claude","max_tokens":100,"stream":true,"temperature":0.5,"system":"sys",
                 "messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}]}"""));
        assertThat(request.url()).isEqualTo("https://api.anthropic.com/v1/messages/count_tokens");
        assertThat(json(request.body())).isEqualTo(json("""
                {"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"system":"sys",
                 "tools":[{"name":"f","input_schema":{"type":"object"}}]}"""));
    }

    @Test
    void aWholeMessageComesBackWithTheAliasAndItsUsage() {
        Translated answer = passthrough().response(Recorded.buffer("anthropic/message-tool-use.json"));
        ObjectNode expected = json(Recorded.buffer("anthropic/message-tool-use.json"));
        expected.put("model", ALIAS);
        assertThat(answer.body()).isEqualTo(expected);
        assertThat(answer.usage()).isEqualTo(AnthropicWire.usage(expected));
        assertThat(answer.usage().promptTokens()).isPositive();
    }

    @Test
    void streamEventsAreForwardedAsTheyCameButMessageStartsModel() {
        byte[] recorded = Recorded.bytes("anthropic/messages-tool-use.sse");
        StreamReplay.Run run = StreamReplay.replay(AnthropicMessagesPassthroughTest::passthrough, recorded);
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
        List<SseEvent> upstream = new SseDecoder().feed(Buffer.buffer(recorded));
        assertThat(run.chunks()).hasSize(upstream.size());
        // block starts and stops and pings byte for byte, the rest the same JSON; message_start with the alias
        List<OpenAiJson> forwarded = new ArrayList<>(passthrough().stream(Buffer.buffer(recorded), true).chunks());
        StringBuilder delivered = new StringBuilder();
        for (int i = 0; i < upstream.size(); i++) {
            Buffer written = Buffer.buffer();
            forwarded.get(i).writeTo(written, Recorded.MAPPER);
            forwarded.get(i).appendText(delivered);
            String type = upstream.get(i).event();
            if (type.equals("message_start")) {
                ObjectNode start = json(upstream.get(i).data());
                ((ObjectNode) start.get("message")).put("model", ALIAS);
                assertThat(json(written)).isEqualTo(start);
            } else if (type.startsWith("content_block_st") || type.equals("ping")) {
                assertThat(written.toString()).isEqualTo(upstream.get(i).data());
            } else {
                assertThat(json(written)).isEqualTo(json(upstream.get(i).data()));
            }
            assertThat(forwarded.get(i).text("type")).isEqualTo(type);
        }
        // the delivered text (for the estimate of a stream cut short): text and tool input deltas
        assertThat(delivered.toString()).startsWith("I'll check the weather in both cities.{\"location\": \"Z");
        // usage: message_start's input counts (cache reads and writes apart), message_delta's output count
        assertThat(run.usage()).isEqualTo(new TokenUsage(472 + 100 + 1200, run.usage().completionTokens(), 1200, 100, 0, false));
        assertThat(run.usage().completionTokens()).isGreaterThan(2);
    }

    @Test
    void anErrorEventEndsTheStreamAsAFailureAndAnOverloadStaysAnOverload() {
        StreamReplay.Run run = StreamReplay.replay(AnthropicMessagesPassthroughTest::passthrough, Recorded.bytes("anthropic/messages-error.sse"));
        assertThat(run.done()).isFalse();
        assertThat(run.error().status()).isEqualTo(503);
        assertThat(run.error().getMessage()).contains("Overloaded");
        assertThat(run.chunks()).extracting(c -> c.path("type").asText())
                .containsExactly("message_start", "content_block_start", "content_block_delta");
        assertThat(run.usage().promptTokens()).isEqualTo(12);
    }

    @Test
    void aStreamCutBeforeMessageStopIsNotDone() {
        StreamReplay.Run run = StreamReplay.replay(AnthropicMessagesPassthroughTest::passthrough, Recorded.bytes("anthropic/messages-truncated.sse"));
        assertThat(run.done()).isFalse();
        assertThat(run.error()).isNull();
        assertThat(run.usage().promptTokens()).isEqualTo(9);
    }

    @Test
    void aBodyThatIsNotJsonIsAnInvalidResponse() {
        StreamOutput out = passthrough().stream(Buffer.buffer("event: content_block_delta\ndata: {not json\n\n"), false);
        assertThat(out.error().status()).isEqualTo(502);
        assertThat(out.error().code()).isEqualTo("upstream_invalid_response");
    }
}
