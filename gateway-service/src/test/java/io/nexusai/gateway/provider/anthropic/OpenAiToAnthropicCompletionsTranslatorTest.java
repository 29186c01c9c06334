package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiToAnthropicCompletionsTranslatorTest {
    static final String ALIAS = "nexus-instruct";
    static final Deployment ANTHROPIC = Recorded.deployment(ProviderKind.ANTHROPIC, "https://api.anthropic.com", "claude-haiku-4-5", Map.of());

    static OpenAiToAnthropicCompletionsTranslator translator() {
        return new OpenAiToAnthropicCompletionsTranslator(Recorded.MAPPER, ANTHROPIC, ALIAS);
    }

    @Test
    void promptBecomesOneUserMessageAndUnsupportedFieldsAreDropped() {
        UpstreamRequest request = translator().request(json("""
                {"model":"nexus-instruct","prompt":"Say this is a test","max_tokens":7,"temperature":2,"top_p":1,"stop":["\\n"],
                 "user":"u-1","echo":true,"suffix":"!","best_of":1,"logprobs":2,"presence_penalty":1,"seed":3,"stream":true}"""), true);
        assertThat(request.url()).isEqualTo("https://api.anthropic.com/v1/messages");
        assertThat(request.headers()).isEqualTo(Map.of("anthropic-version", "2023-06-01"));
        assertThat(json(request.body())).isEqualTo(json("""
                {"model":"claude-haiku-4-5","max_tokens":7,"messages":[{"role":"user","content":"Say this is a test"}],
                 "stop_sequences":["\\n"],"temperature":1.0,"top_p":1,"metadata":{"user_id":"u-1"},"stream":true}"""));
    }

    @Test
    void anArrayPromptIsJoinedWithNewlinesAndTokenPromptsAre400() {
        UpstreamRequest request = translator().request(json("{\"prompt\":[\"first line\",\"second line\"]}"), false);
        assertThat(json(request.body())).isEqualTo(json("""
                {"model":"claude-haiku-4-5","max_tokens":4096,"messages":[{"role":"user","content":"first line\\nsecond line"}]}"""));
        assertThatThrownBy(() -> translator().request(json("{\"prompt\":[1212,318,257]}"), false))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("prompt");
                });
        assertThatThrownBy(() -> translator().request(json("{\"prompt\":\"x\",\"n\":3}"), false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("n"));
    }

    @Test
    void responseBecomesATextCompletion() {
        Translated translated = translator().response(Recorded.buffer("anthropic/message-max-tokens.json"));
        ObjectNode body = translated.body();
        assertThat(body.path("created").asLong()).isPositive();
        body.put("created", 0);
        assertThat(Recorded.reparse(body)).isEqualTo(json("""
                {"id":"cmpl-msg_01Bx7mZ2q3Ld8Kc4Hn6Tv9Ws","object":"text_completion","created":0,"model":"nexus-instruct",
                 "choices":[{"text":"Il était une fois, à Montréal, un café où l’on","index":0,"logprobs":null,"finish_reason":"length"}],
                 "usage":{"prompt_tokens":39,"completion_tokens":16,"total_tokens":55,"prompt_tokens_details":{"cached_tokens":8}}}"""));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(39, 16, 8, 0, 0, false));
        Translated text = translator().response(Recorded.buffer("anthropic/message-text.json"));
        assertThat(text.body().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(text.body().at("/choices/0/text").asText()).isEqualTo("Hi! My name is Claude. ¿Cómo estás?");
        Translated toolUse = translator().response(Recorded.buffer("anthropic/message-tool-use.json"));
        assertThat(toolUse.body().at("/choices/0/finish_reason").asText()).as("completions know no tool_calls").isEqualTo("stop");
    }

    @Test
    void textStreamSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicCompletionsTranslatorTest::translator, Recorded.bytes("anthropic/messages-max-tokens.sse"));
        String id = "msg_01HcR5yEw2fN7xKq9TzM4vJp";
        assertThat(run.json()).containsExactly(
                chunk(id, "Il était une fois, à Montréal, ", null),
                chunk(id, "un café où l’on", null),
                chunk(id, "", "length"),
                "{\"id\":\"cmpl-" + id + "\",\"object\":\"text_completion\",\"created\":0,\"model\":\"nexus-instruct\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":39,\"completion_tokens\":16,\"total_tokens\":55,\"prompt_tokens_details\":{\"cached_tokens\":8}}}");
        assertThat(run.usage()).isEqualTo(new TokenUsage(39, 16, 8, 0, 0, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void otherRecordedStreamsSurviveEveryCutToo() {
        StreamReplay.Run text = StreamReplay.replay(OpenAiToAnthropicCompletionsTranslatorTest::translator, Recorded.bytes("anthropic/messages-text.sse"));
        assertThat(text.json()).hasSize(5).last().asString().contains("\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":15,\"total_tokens\":40}");
        assertThat(text.chunks()).extracting(c -> c.at("/choices/0/text").asText()).startsWith("Grüezi", " — 日本語も", " 🎉!", "");
        assertThat(text.json().get(3)).contains("\"finish_reason\":\"stop\"");

        StreamReplay.Run tools = StreamReplay.replay(OpenAiToAnthropicCompletionsTranslatorTest::translator, Recorded.bytes("anthropic/messages-tool-use.sse"));
        assertThat(tools.json()).hasSize(3).noneMatch(j -> j.contains("tool"));
        assertThat(tools.json().get(1)).contains("\"finish_reason\":\"stop\"");

        StreamReplay.Run error = StreamReplay.replay(OpenAiToAnthropicCompletionsTranslatorTest::translator, Recorded.bytes("anthropic/messages-error.sse"));
        assertThat(error.json()).hasSize(1).first().asString().contains("Es war einmal");
        assertThat(error.error().status()).isEqualTo(502);

        StreamReplay.Run truncated = StreamReplay.replay(OpenAiToAnthropicCompletionsTranslatorTest::translator, Recorded.bytes("anthropic/messages-truncated.sse"));
        assertThat(truncated.done()).isFalse();
        assertThat(truncated.json()).hasSize(2);
    }

    @Test
    void errorsUseAnthropicsEnvelope() {
        ApiException error = translator().error(400, Recorded.buffer("anthropic/error-400.json"), MultiMap.caseInsensitiveMultiMap());
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.getMessage()).startsWith("messages: roles must alternate");
        assertThat(translator().error(500, Buffer.buffer("upstream connect error"), null).status()).isEqualTo(502);
    }

    static String chunk(String messageId, String text, String finishReason) {
        return "{\"id\":\"cmpl-" + messageId + "\",\"object\":\"text_completion\",\"created\":0,\"model\":\"nexus-instruct\","
                + "\"choices\":[{\"text\":\"" + text + "\",\"index\":0,\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }
}
