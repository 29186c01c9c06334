package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.pipeline.wire.MessagesWire;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.provider.gemini.OpenAiToGeminiChatTranslator;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Messages ingress over chat completions, fed recorded provider streams cut at every byte: the events must be
 * the same however the bytes arrive, in Anthropic's order, with the provider's exact usage at the end.
 */
class MessagesOverChatTranslatorTest {
    static final String ALIAS = "nexus-claude";
    static final Deployment OPENAI = Recorded.deployment(ProviderKind.OPENAI, "https://api.openai.com/v1", "gpt-4o-2024-08-06", Map.of());
    static final Deployment GEMINI = Recorded.deployment(ProviderKind.GEMINI, "https://generativelanguage.googleapis.com",
            "gemini-2.5-flash", Map.of());

    static MessagesOverChatTranslator overOpenAi() {
        return new MessagesOverChatTranslator(Recorded.MAPPER, new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.CHAT));
    }

    static MessagesOverChatTranslator overGemini() {
        return new MessagesOverChatTranslator(Recorded.MAPPER, new OpenAiToGeminiChatTranslator(Recorded.MAPPER, GEMINI, ALIAS));
    }

    /** The events as {@code type[index] detail} lines, easy to read in a failure. */
    static List<String> outline(List<ObjectNode> events) {
        List<String> lines = new ArrayList<>();
        for (ObjectNode e : events) {
            String type = e.path("type").asText();
            String line = type + (e.has("index") ? "[" + e.get("index").asInt() + "]" : "");
            JsonNode delta = e.path("delta");
            switch (type) {
                case "content_block_start" -> line += " " + e.at("/content_block/type").asText()
                        + (e.at("/content_block/name").isTextual() ? " " + e.at("/content_block/name").asText() + " "
                        + e.at("/content_block/id").asText() : "");
                case "content_block_delta" -> line += " " + delta.path("type").asText() + " "
                        + (delta.has("text") ? delta.get("text").asText() : delta.path("partial_json").asText());
                case "message_delta" -> line += " " + delta.path("stop_reason").asText() + " " + e.get("usage");
                default -> {
                }
            }
            lines.add(line);
        }
        return lines;
    }

    @Test
    void anOpenAiTextStreamBecomesAnthropicEventsWithTheExactUsage() {
        StreamReplay.Run run = StreamReplay.replay(MessagesOverChatTranslatorTest::overOpenAi,
                Recorded.bytes("openai/chat-stream-include-usage.sse"));
        assertThat(run.error()).isNull();
        assertThat(run.done()).isTrue();
        ObjectNode start = run.chunks().get(0);
        assertThat(Recorded.reparse(start)).isEqualTo(json("""
                {"type":"message_start","message":{"id":"msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG","type":"message","role":"assistant",
                 "model":"nexus-claude","content":[],"stop_reason":null,"stop_sequence":null,
                 "usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}"""));
        assertThat(outline(run.chunks())).containsExactly(
                "message_start", "ping",
                "content_block_start[0] text",
                "content_block_delta[0] text_delta Bonjour",
                "content_block_delta[0] text_delta  — ça va",
                "content_block_delta[0] text_delta  ? 🙂",
                "content_block_stop[0]",
                "message_delta end_turn " + run.chunks().get(run.chunks().size() - 2).get("usage"),
                "message_stop");
        ObjectNode delta = run.chunks().get(run.chunks().size() - 2);
        TokenUsage usage = run.usage();
        assertThat(Recorded.reparse(delta).get("usage")).isEqualTo(json(String.format("""
                {"input_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":%d,"output_tokens":%d}""",
                usage.promptTokens() - usage.cachedTokens(), usage.cachedTokens(), usage.completionTokens())));
        assertThat(usage.estimated()).isFalse();
        assertThat(usage.completionTokens()).isPositive();
    }

    @Test
    void parallelToolCallsBecomeConsecutiveToolUseBlocks() {
        StreamReplay.Run run = StreamReplay.replay(MessagesOverChatTranslatorTest::overOpenAi,
                Recorded.bytes("openai/chat-stream-parallel-tools.sse"));
        assertThat(outline(run.chunks())).containsExactly(
                "message_start", "ping",
                "content_block_start[0] text",
                "content_block_delta[0] text_delta Je regarde la météo ",
                "content_block_delta[0] text_delta à Zürich et Paris.",
                "content_block_stop[0]",
                "content_block_start[1] tool_use get_weather call_7Yg2kQ1fVdXwPz8mN3rT5bLc",
                "content_block_delta[1] input_json_delta {\"lo",
                "content_block_delta[1] input_json_delta cation",
                "content_block_delta[1] input_json_delta \": \"Zü",
                "content_block_delta[1] input_json_delta rich\"}",
                "content_block_stop[1]",
                "content_block_start[2] tool_use get_weather call_Q4hJ9sW2eR6tY1uI0oP8aSdF",
                "content_block_delta[2] input_json_delta {\"location\"",
                "content_block_delta[2] input_json_delta : \"Paris\"}",
                "content_block_stop[2]",
                "message_delta tool_use {\"input_tokens\":27,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":64,\"output_tokens\":52}",
                "message_stop");
        assertThat(run.usage()).isEqualTo(new TokenUsage(91, 52, 64, 0, 0, false));
        assertThat(run.chunks().get(6).get("content_block").get("input")).isEqualTo(json("{}"));
    }

    @Test
    void aMidStreamErrorEndsTheEventsWithTheErrorAndNoMessageStop() {
        StreamReplay.Run run = StreamReplay.replay(MessagesOverChatTranslatorTest::overOpenAi,
                Recorded.bytes("openai/chat-stream-midstream-error.sse"));
        assertThat(run.error()).isNotNull();
        assertThat(run.done()).isFalse();
        assertThat(outline(run.chunks())).containsExactly("message_start", "ping", "content_block_start[0] text",
                "content_block_delta[0] text_delta Once upon a time");
        String event = MessagesWire.INSTANCE.streamError(run.error()).toString();
        assertThat(event).startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":")
                .contains("The server had an error").endsWith("}}\n\n");
    }

    @Test
    void aGeminiStreamComesOutInTheSameShape() {
        StreamReplay.Run run = StreamReplay.replay(MessagesOverChatTranslatorTest::overGemini, Recorded.bytes("gemini/stream-function-call.sse"));
        List<String> outline = outline(run.chunks());
        assertThat(outline.get(0)).isEqualTo("message_start");
        assertThat(outline).last().isEqualTo("message_stop");
        assertThat(outline.get(outline.size() - 2)).startsWith("message_delta tool_use ");
        assertThat(outline).anyMatch(line -> line.startsWith("content_block_start[") && line.contains(" tool_use "));
        assertThat(run.usage().estimated()).isFalse();
    }

    @Test
    void aWholeResponseBecomesAMessage() {
        MessagesOverChatTranslator translator = overOpenAi();
        UpstreamRequest request = translator.request(json("""
                {"model":"nexus-claude","max_tokens":64,"messages":[{"role":"user","content":"Say hi"}]}"""), false);
        assertThat(request.url()).isEqualTo("https://api.openai.com/v1/chat/completions");
        assertThat(json(request.body())).isEqualTo(json("""
                {"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"Say hi"}],"max_completion_tokens":64}"""));
        UpstreamRequest streamed = overOpenAi().request(json("""
                {"model":"nexus-claude","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hi"}]}"""), true);
        assertThat(json(streamed.body()).at("/stream_options/include_usage").asBoolean()).isTrue();
        Translated message = translator.response(Recorded.buffer("openai/chat-response.json"));
        ObjectNode body = message.body();
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("model").asText()).isEqualTo(ALIAS);
        assertThat(body.path("id").asText()).startsWith("msg_");
        assertThat(body.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(body.at("/usage/output_tokens").asLong()).isEqualTo(message.usage().completionTokens());
    }
}
