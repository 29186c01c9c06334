package io.nexusai.gateway.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.pipeline.Endpoint;
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
import static io.nexusai.gateway.provider.StreamReplay.content;
import static io.nexusai.gateway.provider.StreamReplay.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiPassthroughTranslatorTest {
    static final Deployment OPENAI = Recorded.deployment(ProviderKind.OPENAI, "https://api.openai.com/v1", "gpt-4o-2024-08-06", Map.of());
    static final String ALIAS = "nexus-smart";

    static OpenAiPassthroughTranslator chat() {
        return new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.CHAT);
    }

    @Test
    void requestRewritesTheModelAndPassesEveryOtherFieldThrough() {
        String body = """
                {"model":"nexus-smart","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"seed":42,
                 "response_format":{"type":"json_object"},"x_vendor_extension":{"nested":[1,2,3]},"stream":true}""";
        UpstreamRequest request = chat().request(json(body), true);
        assertThat(request.url()).isEqualTo("https://api.openai.com/v1/chat/completions");
        ObjectNode expected = json(body);
        expected.put("model", "gpt-4o-2024-08-06");
        assertThat(json(request.body())).isEqualTo(expected);
        assertThat(request.headers()).isEmpty();
    }

    @Test
    void eachEndpointHasItsPath() {
        assertThat(new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.COMPLETIONS)
                .request(json("{\"model\":\"a\",\"prompt\":\"x\"}"), false).url()).isEqualTo("https://api.openai.com/v1/completions");
        assertThat(new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.EMBEDDINGS)
                .request(json("{\"model\":\"a\",\"input\":\"x\"}"), false).url()).isEqualTo("https://api.openai.com/v1/embeddings");
    }

    @Test
    void responseGetsTheAliasAndItsUsageIsRead() {
        Translated translated = chat().response(Recorded.buffer("openai/chat-response.json"));
        ObjectNode expected = json(Recorded.buffer("openai/chat-response.json"));
        expected.put("model", ALIAS);
        assertThat(translated.body()).isEqualTo(expected);
        assertThat(translated.usage()).isEqualTo(new TokenUsage(19, 10, false));
    }

    @Test
    void cachedAndReasoningTokensAreReadFromTheUsageDetails() {
        Translated translated = chat().response(Buffer.buffer("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"o3-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"4"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
                   "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
                   "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0}}}"""));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(2006, 300, 1920, 0, 256, false));
    }

    @Test
    void streamUsageChunkCarriesCachedAndReasoningTokens() {
        byte[] sse = ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"o3-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"o3-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":1500,\"completion_tokens\":90,\"total_tokens\":1590,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":64}}}\n\n"
                + "data: [DONE]\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StreamReplay.Run run = StreamReplay.replay(OpenAiPassthroughTranslatorTest::chat, sse);
        assertThat(run.usage()).isEqualTo(new TokenUsage(1500, 90, 1024, 0, 64, false));
        assertThat(run.chunks().get(run.chunks().size() - 1).at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(1024);
    }

    @Test
    void aResponseThatIsNotJsonIs502() {
        assertThatThrownBy(() -> chat().response(Buffer.buffer("<html>Bad gateway</html>")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.code()).isEqualTo("upstream_invalid_response");
                });
    }

    @Test
    void streamWithIncludeUsageSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiPassthroughTranslatorTest::chat, Recorded.bytes("openai/chat-stream-include-usage.sse"));
        assertThat(run.chunks()).hasSize(6).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo(ALIAS));
        assertThat(content(run.chunks())).isEqualTo("Bonjour — ça va ? 🙂");
        assertThat(run.chunks().get(4).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        ObjectNode last = run.chunks().get(5);
        assertThat(last.path("choices").isEmpty()).isTrue();
        assertThat(last.at("/usage/total_tokens").asInt()).isEqualTo(25);
        assertThat(last.at("/usage/completion_tokens_details/reasoning_tokens").isNumber()).isTrue();
        assertThat(run.usage()).isEqualTo(new TokenUsage(19, 6, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void streamWithToolCallsSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiPassthroughTranslatorTest::chat, Recorded.bytes("openai/chat-stream-tool-calls.sse"));
        Map<Integer, String> arguments = toolArguments(run.chunks());
        assertThat(arguments).isEqualTo(Map.of(0, "{\"location\":\"Zürich\"}", 1, "{\"tz\":\"Europe/Zurich\"}"));
        assertThat(run.chunks().get(0).at("/choices/0/delta/tool_calls/0/id").asText()).isEqualTo("call_DdmO9pD3xa9XTPNJ32zg2hcA");
        assertThat(run.chunks().get(run.chunks().size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(run.usage()).isEqualTo(new TokenUsage(85, 41, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void anErrorInsideTheStreamEndsItWithA502() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiPassthroughTranslatorTest::chat, Recorded.bytes("openai/chat-stream-midstream-error.sse"));
        assertThat(content(run.chunks())).isEqualTo("Once upon a time");
        assertThat(run.done()).isFalse();
        assertThat(run.error()).isNotNull();
        assertThat(run.error().status()).isEqualTo(502);
        assertThat(run.error().code()).isEqualTo("upstream_stream_error");
        assertThat(run.error().getMessage()).contains("The server had an error while processing your request");
    }

    @Test
    void upstreamErrorsAreNormalised() {
        ApiException badRequest = chat().error(400, Recorded.buffer("openai/error-400.json"), MultiMap.caseInsensitiveMultiMap());
        assertThat(badRequest.status()).isEqualTo(400);
        assertThat(badRequest.type()).isEqualTo("invalid_request_error");
        assertThat(badRequest.param()).isEqualTo("temperature");
        assertThat(badRequest.getMessage()).isEqualTo("Invalid value for 'temperature': expected a number between 0 and 2.");

        ApiException limited = chat().error(429, Recorded.buffer("openai/error-429.json"),
                MultiMap.caseInsensitiveMultiMap().add("retry-after", "2"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.retryAfterSeconds()).isEqualTo(2L);
        assertThat(limited.getMessage()).contains("Rate limit reached for gpt-4o");

        ApiException auth = chat().error(401, Buffer.buffer("{\"error\":{\"message\":\"Incorrect API key provided: sk-abc.\"}}"), null);
        assertThat(auth.status()).isEqualTo(502);
        assertThat(auth.getMessage()).doesNotContain("sk-abc");
    }
}
