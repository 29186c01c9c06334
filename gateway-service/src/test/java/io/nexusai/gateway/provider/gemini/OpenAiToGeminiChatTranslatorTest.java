package io.nexusai.gateway.provider.gemini;

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
import static io.nexusai.gateway.provider.StreamReplay.content;
import static io.nexusai.gateway.provider.StreamReplay.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiToGeminiChatTranslatorTest {
    static final String ALIAS = "nexus-gemini";
    static final Deployment GEMINI = Recorded.deployment(ProviderKind.GEMINI, "https://generativelanguage.googleapis.com",
            "gemini-2.5-flash", Map.of());

    static OpenAiToGeminiChatTranslator translator() {
        return new OpenAiToGeminiChatTranslator(Recorded.MAPPER, GEMINI, ALIAS);
    }

    static ObjectNode upstreamBody(String clientBody) {
        return json(translator().request(json(clientBody), false).body());
    }

    static ApiException rejected(String clientBody) {
        try {
            translator().request(json(clientBody), false);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.type()).isEqualTo("invalid_request_error");
            return e;
        }
        throw new AssertionError("expected a 400 for " + clientBody);
    }

    // ---- request ----

    @Test
    void requestMapsSystemMessagesRolesAndGenerationConfigAndDropsWhatGeminiLacks() {
        String client = """
                {"model":"nexus-gemini","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hello"},
                  {"role":"assistant","content":"Bonjour"},
                  {"role":"user","content":[{"type":"text","text":"Again"}]}],
                 "max_tokens":50,"max_completion_tokens":70,"stop":"END","n":2,"temperature":1.5,"top_p":0.9,"seed":7,
                 "presence_penalty":0.5,"frequency_penalty":0.1,"logprobs":true,"user":"u-1","parallel_tool_calls":false}""";
        UpstreamRequest request = translator().request(json(client), false);
        assertThat(request.url()).isEqualTo("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(request.headers()).isEmpty();
        assertThat(json(request.body())).isEqualTo(json("""
                {"contents":[{"role":"user","parts":[{"text":"Hello"}]},{"role":"model","parts":[{"text":"Bonjour"}]},
                             {"role":"user","parts":[{"text":"Again"}]}],
                 "systemInstruction":{"parts":[{"text":"You are terse.\\n\\nAnswer in French."}]},
                 "generationConfig":{"stopSequences":["END"],"maxOutputTokens":70,"candidateCount":2,"temperature":1.5,
                                     "topP":0.9,"seed":7,"presencePenalty":0.5,"frequencyPenalty":0.1}}"""));
    }

    @Test
    void streamingUsesStreamGenerateContentWithSseAndTheEndpointMayCarryItsVersion() {
        String messages = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(translator().request(json(messages), true).url())
                .isEqualTo("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        Deployment v1 = Recorded.deployment(ProviderKind.GEMINI, "https://gemini.internal.example/v1/", "gemini-2.0-flash", Map.of());
        assertThat(new OpenAiToGeminiChatTranslator(Recorded.MAPPER, v1, ALIAS).request(json(messages), false).url())
                .isEqualTo("https://gemini.internal.example/v1/models/gemini-2.0-flash:generateContent");
        Deployment setting = Recorded.deployment(ProviderKind.GEMINI, "http://127.0.0.1:9", "m", Map.of("api_version", "v1alpha"));
        assertThat(new OpenAiToGeminiChatTranslator(Recorded.MAPPER, setting, ALIAS).request(json(messages), true).url())
                .isEqualTo("http://127.0.0.1:9/v1alpha/models/m:streamGenerateContent?alt=sse");
    }

    @Test
    void imagesMustBeDataUrlsAndBecomeInlineData() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""");
        assertThat(body.at("/contents/0/parts/1")).isEqualTo(json("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}}"));
        assertThat(rejected("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""")
                .getMessage()).contains("base64 data URLs");
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}").param())
                .isEqualTo("messages[0].content[0]");
    }

    @Test
    void toolsToolChoiceAndResponseFormatDropKeywordsGeminiRefuses() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":"Paris"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","strict":true,
                   "parameters":{"type":"object","additionalProperties":false,"required":["location"],
                     "properties":{"location":{"type":"string"},
                                   "additionalProperties":{"type":"object","additionalProperties":false}}}}},
                          {"type":"function","function":{"name":"now"}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","strict":true,
                   "schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
                             "properties":{"t":{"type":"array","items":{"type":"object","additionalProperties":false}}}}}}}""");
        assertThat(body.get("tools")).isEqualTo(json("""
                {"t":[{"functionDeclarations":[{"name":"get_weather","description":"Weather",
                  "parameters":{"type":"object","required":["location"],
                    "properties":{"location":{"type":"string"},"additionalProperties":{"type":"object"}}}},
                  {"name":"now"}]}]}""").get("t"));
        assertThat(body.get("toolConfig")).isEqualTo(json("""
                {"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}"""));
        assertThat(body.get("generationConfig")).isEqualTo(json("""
                {"responseMimeType":"application/json",
                 "responseSchema":{"type":"object","properties":{"t":{"type":"array","items":{"type":"object"}}}}}"""));

        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        String user = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        assertThat(upstreamBody("{" + user + tools + ",\"tool_choice\":\"auto\"}").at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("AUTO");
        assertThat(upstreamBody("{" + user + tools + ",\"tool_choice\":\"none\"}").at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("NONE");
        assertThat(upstreamBody("{" + user + tools + ",\"tool_choice\":\"required\"}").at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("ANY");
        assertThat(upstreamBody("{" + user + ",\"response_format\":{\"type\":\"json_object\"}}").get("generationConfig"))
                .isEqualTo(json("{\"responseMimeType\":\"application/json\"}"));
        assertThat(upstreamBody("{" + user + ",\"tool_choice\":\"none\"}").has("toolConfig")).isFalse();
        rejected("{" + user + ",\"tool_choice\":\"required\"}");
        rejected("{" + user + tools + ",\"tool_choice\":\"sometimes\"}");
    }

    @Test
    void toolCallsBecomeFunctionCallsAndToolMessagesFunctionResponsesNamedAfterTheirCall() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":"Weather in Zürich and Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Zürich\\"}"}},
                    {"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_a","content":"sunny, 21 °C"},
                  {"role":"tool","tool_call_id":"call_b","content":[{"type":"text","text":"{\\"time\\":\\"12:00\\"}"}]},
                  {"role":"user","content":"Thanks"}]}""");
        assertThat(body.get("contents")).isEqualTo(json("""
                {"c":[{"role":"user","parts":[{"text":"Weather in Zürich and Paris?"}]},
                 {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"location":"Zürich"}}},
                                          {"functionCall":{"name":"get_time","args":{}}}]},
                 {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"content":"sunny, 21 °C"}}},
                                         {"functionResponse":{"name":"get_time","response":{"time":"12:00"}}},
                                         {"text":"Thanks"}]}]}""").get("c"));
    }

    @Test
    void thoughtSignaturesComeBackFromTheToolCallIdAndGemini3GetsThePlaceholderForUnsignedCalls() {
        Translated first = translator().response(Recorded.buffer("gemini/generate-function-call.json"));
        String conversation = """
                {"messages":[{"role":"user","content":"Weather?"},{"role":"assistant","content":null,"tool_calls":%s},
                  {"role":"tool","tool_call_id":%s,"content":"sunny"}]}""".formatted(
                first.body().at("/choices/0/message/tool_calls"), first.body().at("/choices/0/message/tool_calls/0/id"));
        ObjectNode body = upstreamBody(conversation);
        assertThat(body.at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo("CiQB0e2K+6d3Zq0X9p/nTn8m1lZ3hL8S0tC2yq7mJ1mE2J4Q2Vw=");
        assertThat(body.at("/contents/1/parts/1").has("thoughtSignature")).isFalse();
        assertThat(body.at("/contents/2/parts/0/functionResponse/name").asText()).isEqualTo("get_weather");
        assertThat(first.body().at("/choices/0/message/tool_calls/0/id").asText()).matches("[A-Za-z0-9_-]+");

        String unsigned = """
                {"messages":[{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[
                   {"id":"toolu_01","type":"function","function":{"name":"f","arguments":"{}"}},
                   {"id":"toolu_02","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"toolu_01","content":"a"},{"role":"tool","tool_call_id":"toolu_02","content":"b"}]}""";
        assertThat(upstreamBody(unsigned).at("/contents/1/parts/0").has("thoughtSignature")).isFalse();
        Deployment gemini3 = Recorded.deployment(ProviderKind.GEMINI, "https://generativelanguage.googleapis.com", "gemini-3-pro-preview", Map.of());
        ObjectNode toGemini3 = json(new OpenAiToGeminiChatTranslator(Recorded.MAPPER, gemini3, ALIAS).request(json(unsigned), false).body());
        assertThat(toGemini3.at("/contents/1/parts/0/thoughtSignature").asText()).isEqualTo("skip_thought_signature_validator");
        assertThat(toGemini3.at("/contents/1/parts/1").has("thoughtSignature")).isFalse();
        assertThat(ThoughtSignatures.required("gemini-2.5-flash")).isFalse();
        assertThat(ThoughtSignatures.required("gemini-3-flash")).isTrue();
        assertThat(ThoughtSignatures.required("models/gemini-10-ultra")).isTrue();
    }

    @Test
    void invalidToolArgumentsAndUnknownToolCallIdsAre400() {
        rejected("""
                {"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}""");
        assertThat(rejected("""
                {"messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"r"}]}""").param())
                .isEqualTo("messages[1].tool_call_id");
        rejected("{\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}");
        rejected("{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}");
    }

    // ---- response ----

    @Test
    void textResponseBecomesAChatCompletionWithCachedAndReasoningTokens() {
        Translated t = translator().response(Recorded.buffer("gemini/generate-text.json"));
        ObjectNode body = t.body();
        assertThat(body.path("id").asText()).isEqualTo("chatcmpl-mIM8aLmfC5qR1dkP7YmK2AQ");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("model").asText()).isEqualTo(ALIAS);
        assertThat(body.at("/choices/0/message")).isEqualTo(json("""
                {"role":"assistant","content":"Grüezi! Zürich liegt am Zürichsee — 日本語も 🎉","refusal":null}"""));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(Recorded.reparse(body).get("usage")).isEqualTo(json("""
                {"prompt_tokens":21,"completion_tokens":67,"total_tokens":88,"prompt_tokens_details":{"cached_tokens":8},
                 "completion_tokens_details":{"reasoning_tokens":50}}"""));
        assertThat(t.usage()).isEqualTo(new TokenUsage(21, 67, 8, 0, 50, false));
    }

    @Test
    void functionCallsBecomeToolCallsWithStableIdsAndArgumentsAsJsonStrings() {
        ObjectNode body = translator().response(Recorded.buffer("gemini/generate-function-call.json")).body();
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Let me check both cities.");
        assertThat(body.at("/choices/0/message/tool_calls")).isEqualTo(json("""
                {"t":[{"id":"call_0ZE8aJ2xKbCc1dkPxO2UqQw_0_0__sig_CiQB0e2K-6d3Zq0X9p_nTn8m1lZ3hL8S0tC2yq7mJ1mE2J4Q2Vw","type":"function",
                       "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Zürich\\",\\"unit\\":\\"celsius\\"}"}},
                      {"id":"call_0ZE8aJ2xKbCc1dkPxO2UqQw_0_1","type":"function",
                       "function":{"name":"get_weather","arguments":"{\\"location\\":\\"São Paulo\\",\\"unit\\":\\"celsius\\"}"}}]}""").get("t"));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(Recorded.reparse(body).get("usage")).isEqualTo(json("{\"prompt_tokens\":96,\"completion_tokens\":42,\"total_tokens\":138}"));
    }

    @Test
    void severalCandidatesBecomeSeveralChoicesAndMaxTokensIsLength() {
        ObjectNode body = translator().response(Recorded.buffer("gemini/generate-max-tokens-two-candidates.json")).body();
        assertThat(body.get("choices")).hasSize(2);
        assertThat(body.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(body.at("/choices/1/message/content").asText()).isEqualTo("Once upon a time");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/choices/1/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void safetyStopsAreContentFilterWithNullContent() {
        ObjectNode body = translator().response(Recorded.buffer("gemini/generate-safety.json")).body();
        assertThat(body.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        ObjectNode blocked = translator().response(Buffer.buffer("""
                {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}""")).body();
        assertThat(blocked.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(blocked.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void finishReasonsMapToOpenAis() {
        assertThat(GeminiWire.finishReason("STOP", false)).isEqualTo("stop");
        assertThat(GeminiWire.finishReason("STOP", true)).isEqualTo("tool_calls");
        assertThat(GeminiWire.finishReason("MAX_TOKENS", true)).isEqualTo("length");
        for (String filtered : new String[]{"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}) {
            assertThat(GeminiWire.finishReason(filtered, false)).isEqualTo("content_filter");
        }
        assertThat(GeminiWire.finishReason("OTHER", false)).isEqualTo("stop");
        assertThat(GeminiWire.finishReason(null, false)).isEqualTo("stop");
    }

    @Test
    void aResponseThatIsNotAGenerateContentResponseIs502() {
        for (String bad : new String[]{"not json", "[1]", "{\"modelVersion\":\"x\"}"}) {
            assertThatThrownBy(() -> translator().response(Buffer.buffer(bad)))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(502);
                        assertThat(e.code()).isEqualTo("upstream_invalid_response");
                        assertThat(e.getMessage()).contains("gemini-main", "generateContent");
                    });
        }
    }

    // ---- stream ----

    static String chunk(String delta, String finishReason, String id) {
        return "{\"id\":\"chatcmpl-" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    static String usageChunk(String id, String usage) {
        return "{\"id\":\"chatcmpl-" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS
                + "\",\"choices\":[],\"usage\":" + usage + "}";
    }

    @Test
    void textStreamSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToGeminiChatTranslatorTest::translator, Recorded.bytes("gemini/stream-text.sse"));
        String id = "mIM8aLmfC5qR1dkP7YmK2AQ";
        assertThat(run.json()).containsExactly(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null, id),
                chunk("{\"content\":\"Grüezi\"}", null, id),
                chunk("{\"content\":\" — 日本語も\"}", null, id),
                chunk("{\"content\":\" 🎉!\"}", null, id),
                chunk("{}", "stop", id),
                usageChunk(id, "{\"prompt_tokens\":21,\"completion_tokens\":15,\"total_tokens\":36}"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(21, 15, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void functionCallStreamSurvivesEveryCutWithToolCallIndices() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToGeminiChatTranslatorTest::translator,
                Recorded.bytes("gemini/stream-function-call.sse"));
        String id = "0ZE8aJ2xKbCc1dkPxO2UqQw";
        assertThat(content(run.chunks())).isEqualTo("Let me check both cities.");
        assertThat(toolArguments(run.chunks())).isEqualTo(Map.of(
                0, "{\"location\":\"Zürich\",\"unit\":\"celsius\"}",
                1, "{\"location\":\"São Paulo\",\"unit\":\"celsius\"}"));
        assertThat(run.json()).contains(chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_" + id + "_0_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"São Paulo\\\",\\\"unit\\\":\\\"celsius\\\"}\"}}]}",
                null, id));
        assertThat(run.chunks()).anySatisfy(c -> assertThat(c.at("/choices/0/delta/tool_calls/0/id").asText())
                .isEqualTo("call_" + id + "_0_0__sig_CiQB0e2K-6d3Zq0X9p_nTn8m1lZ3hL8S0tC2yq7mJ1mE2J4Q2Vw"));
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "tool_calls", id));
        assertThat(run.json().get(run.json().size() - 1)).isEqualTo(usageChunk(id, "{\"prompt_tokens\":96,\"completion_tokens\":72,"
                + "\"total_tokens\":168,\"prompt_tokens_details\":{\"cached_tokens\":64},\"completion_tokens_details\":{\"reasoning_tokens\":30}}"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(96, 72, 64, 0, 30, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void thoughtPartsAreNotPartOfTheChatStreamAndTheLastUsageCounts() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToGeminiChatTranslatorTest::translator,
                Recorded.bytes("gemini/stream-thoughts-max-tokens.sse"));
        assertThat(content(run.chunks())).isEqualTo("27 × 453 = 12,231");
        assertThat(run.json()).noneMatch(j -> j.contains("Multiplying"));
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "length", "t8c8aO7QFb6i1dkPk7-WsQo"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(14, 71, 0, 0, 60, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void anErrorObjectInTheStreamEndsItWithA502() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToGeminiChatTranslatorTest::translator, Recorded.bytes("gemini/stream-error.sse"));
        assertThat(content(run.chunks())).isEqualTo("Es war einmal");
        assertThat(run.done()).isFalse();
        assertThat(run.usage()).isEqualTo(new TokenUsage(12, 0, false));
        assertThat(run.error().status()).isEqualTo(502);
        assertThat(run.error().code()).isEqualTo("upstream_stream_error");
        assertThat(run.error().getMessage()).contains("gemini-main", "overloaded");
    }

    @Test
    void aStreamThatEndsBeforeAFinishReasonIsNotDone() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToGeminiChatTranslatorTest::translator, Recorded.bytes("gemini/stream-truncated.sse"));
        assertThat(content(run.chunks())).isEqualTo("Cut off mid-stréam");
        assertThat(run.json()).noneMatch(j -> j.contains("\"usage\""));
        assertThat(run.done()).isFalse();
        assertThat(run.error()).isNull();
    }

    @Test
    void anUnparseableEventIsA502() {
        var out = translator().stream(Buffer.buffer("data: {not json\n\n"), false);
        assertThat(out.error().status()).isEqualTo(502);
        assertThat(out.error().code()).isEqualTo("upstream_invalid_response");
    }

    // ---- errors ----

    @Test
    void googleErrorEnvelopesAreNormalised() {
        MultiMap none = MultiMap.caseInsensitiveMultiMap();
        ApiException invalid = translator().error(400, Recorded.buffer("gemini/error-400.json"), none);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.type()).isEqualTo("invalid_request_error");
        assertThat(invalid.code()).isEqualTo("invalid_argument");
        assertThat(invalid.getMessage()).contains("contents is not specified");

        ApiException denied = translator().error(403, Recorded.buffer("gemini/error-403.json"), none);
        assertThat(denied.status()).isEqualTo(502);
        assertThat(denied.code()).isEqualTo("upstream_auth_failed");
        ApiException wrongKey = translator().error(400, Recorded.buffer("gemini/error-400-api-key.json"), none);
        assertThat(wrongKey.status()).isEqualTo(502);
        assertThat(wrongKey.code()).isEqualTo("upstream_auth_failed");

        ApiException limited = translator().error(429, Recorded.buffer("gemini/error-429.json"),
                MultiMap.caseInsensitiveMultiMap().add("Retry-After", "20"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.retryAfterSeconds()).isEqualTo(20L);
        assertThat(limited.getMessage()).contains("exceeded your current quota");
        ApiException delayed = translator().error(429, Recorded.buffer("gemini/error-429.json"), none);
        assertThat(delayed.retryAfterSeconds()).isEqualTo(31L);

        ApiException unavailable = translator().error(503, Recorded.buffer("gemini/error-503.json"), none);
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.getMessage()).contains("overloaded");
    }
}
