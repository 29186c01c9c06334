package io.nexusai.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static io.nexusai.gateway.provider.StreamReplay.content;
import static io.nexusai.gateway.provider.StreamReplay.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiToBedrockChatTranslatorTest {
    static final String ALIAS = "nexus-claude";
    static final String REQUEST_ID = "9f0c7e2a-3b5d-4f1e-8a6c-2d4b6e8f0a1c";
    static final Deployment BEDROCK = Recorded.deployment(ProviderKind.BEDROCK, "https://bedrock-runtime.us-east-1.amazonaws.com",
            "anthropic.claude-3-5-sonnet-20240620-v1:0", Map.of());

    static OpenAiToBedrockChatTranslator translator() {
        return new OpenAiToBedrockChatTranslator(Recorded.MAPPER, BEDROCK, ALIAS);
    }

    /** A translator that has seen the answer's headers, as the gateway calls it. */
    static OpenAiToBedrockChatTranslator answered() {
        OpenAiToBedrockChatTranslator t = translator();
        t.responseHeaders(200, MultiMap.caseInsensitiveMultiMap().add("x-amzn-RequestId", REQUEST_ID)
                .add("Content-Type", "application/vnd.amazon.eventstream"));
        return t;
    }

    static ObjectNode upstreamBody(String clientBody) {
        return json(translator().request(json(clientBody), false).body());
    }

    static ApiException rejected(String clientBody) {
        return Recorded.rejected(translator(), clientBody);
    }

    // ---- request ----

    @Test
    void requestMapsSystemRolesAndInferenceConfigAndDropsWhatConverseLacks() {
        String client = """
                {"model":"nexus-claude","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hello"},
                  {"role":"assistant","content":"Bonjour"},
                  {"role":"user","content":[{"type":"text","text":"Again"}]},
                  {"role":"user","content":"and again"}],
                 "max_tokens":50,"max_completion_tokens":70,"stop":["END","STOP"],"n":1,"temperature":0.5,"top_p":0.9,"seed":7,
                 "presence_penalty":0.5,"logprobs":true,"user":"u-1","stream_options":{"include_usage":true}}""";
        UpstreamRequest request = translator().request(json(client), false);
        assertThat(request.url()).isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
        assertThat(request.headers()).isEqualTo(Map.of("Accept", "application/json"));
        assertThat(json(request.body())).isEqualTo(json("""
                {"messages":[{"role":"user","content":[{"text":"Hello"}]},{"role":"assistant","content":[{"text":"Bonjour"}]},
                             {"role":"user","content":[{"text":"Again"},{"text":"and again"}]}],
                 "system":[{"text":"You are terse."},{"text":"Answer in French."}],
                 "inferenceConfig":{"maxTokens":70,"temperature":0.5,"topP":0.9,"stopSequences":["END","STOP"]}}"""));
    }

    @Test
    void theProviderSettingPromptCachePutsACachePointAfterTheSystemPrompt() {
        Deployment caching = Recorded.deployment(ProviderKind.BEDROCK, "https://bedrock-runtime.us-east-1.amazonaws.com", "m",
                Map.of("prompt_cache", "system"));
        String client = "{\"messages\":[{\"role\":\"system\",\"content\":\"Long rules\"},{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(json(new OpenAiToBedrockChatTranslator(Recorded.MAPPER, caching, ALIAS).request(json(client), false).body()).get("system"))
                .isEqualTo(json("{\"s\":[{\"text\":\"Long rules\"},{\"cachePoint\":{\"type\":\"default\"}}]}").get("s"));
        assertThat(upstreamBody(client).get("system")).isEqualTo(json("{\"s\":[{\"text\":\"Long rules\"}]}").get("s"));
    }

    @Test
    void streamingUsesConverseStreamAndModelIdsAndArnsAreOnePathSegment() {
        String messages = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        UpstreamRequest stream = translator().request(json(messages), true);
        assertThat(stream.url()).endsWith("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
        assertThat(stream.headers()).isEqualTo(Map.of("Accept", "application/vnd.amazon.eventstream"));
        Deployment profile = Recorded.deployment(ProviderKind.BEDROCK, "https://bedrock-runtime.eu-west-1.amazonaws.com/",
                "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0", Map.of());
        assertThat(new OpenAiToBedrockChatTranslator(Recorded.MAPPER, profile, ALIAS).request(json(messages), false).url())
                .isEqualTo("https://bedrock-runtime.eu-west-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012"
                        + "%3Ainference-profile%2Feu.anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    }

    @Test
    void imagesToolCallsAndToolResultsBecomeContentBlocks() {
        ObjectNode body = upstreamBody("""
                {"messages":[
                  {"role":"user","content":[{"type":"text","text":"What is this, and the weather?"},
                    {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQSkZJRg=="}}]},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Zürich\\"}"}},
                    {"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
                  {"role":"tool","tool_call_id":"tooluse_1","content":"sunny"},
                  {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"12:00"}]}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city",
                            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                          {"type":"function","function":{"name":"get_time"}}],
                 "tool_choice":"auto"}""");
        assertThat(body.get("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":[{"text":"What is this, and the weather?"},
                                                {"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQSkZJRg=="}}}]},
                      {"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Zürich"}}},
                                                     {"toolUse":{"toolUseId":"call_2","name":"get_time","input":{}}}]},
                      {"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"text":"sunny"}]}},
                                                {"toolResult":{"toolUseId":"call_2","content":[{"text":"12:00"}]}}]}]}""").get("m"));
        assertThat(body.get("toolConfig")).isEqualTo(json("""
                {"tools":[{"toolSpec":{"name":"get_weather","description":"Weather of a city",
                             "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}},
                          {"toolSpec":{"name":"get_time","inputSchema":{"json":{"type":"object","properties":{}}}}}],
                 "toolChoice":{"auto":{}}}"""));
    }

    @Test
    void toolChoiceMapsToAnyToolOrNothing() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        String ask = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        assertThat(upstreamBody("{" + ask + "," + tools + ",\"tool_choice\":\"required\"}").at("/toolConfig/toolChoice"))
                .isEqualTo(json("{\"any\":{}}"));
        assertThat(upstreamBody("{" + ask + "," + tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}")
                .at("/toolConfig/toolChoice")).isEqualTo(json("{\"tool\":{\"name\":\"f\"}}"));
        assertThat(upstreamBody("{" + ask + "," + tools + "}").at("/toolConfig/toolChoice").isMissingNode()).isTrue();
        // none: no tools offered, unless the history holds tool blocks (Bedrock then needs the toolConfig)
        assertThat(upstreamBody("{" + ask + "," + tools + ",\"tool_choice\":\"none\"}").has("toolConfig")).isFalse();
        ObjectNode history = upstreamBody("""
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"r"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}""");
        assertThat(history.at("/toolConfig/tools/0/toolSpec/name").asText()).isEqualTo("f");
        assertThat(history.at("/toolConfig/toolChoice").isMissingNode()).isTrue();
    }

    static final String STRUCTURED = """
            {"model":"nexus-claude","messages":[{"role":"user","content":"Weather in Zürich as JSON"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"weather","strict":true,
               "schema":{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"integer"}},
                         "required":["city","temperature"],"additionalProperties":false}}}}""";

    /** A translator that has translated the structured-output request and seen the answer's headers. */
    static OpenAiToBedrockChatTranslator structured() {
        OpenAiToBedrockChatTranslator t = answered();
        t.request(json(STRUCTURED), true);
        return t;
    }

    @Test
    void responseFormatBecomesOneForcedToolWithTheSchema() {
        assertThat(upstreamBody(STRUCTURED).get("toolConfig")).isEqualTo(json("""
                {"tools":[{"toolSpec":{"name":"weather",
                   "description":"Returns the final answer to the user, which must match this tool's input schema.",
                   "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"integer"}},
                                          "required":["city","temperature"],"additionalProperties":false}}}}],
                 "toolChoice":{"tool":{"name":"weather"}}}"""));
        String user = "\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        assertThat(upstreamBody("{" + user + ",\"response_format\":{\"type\":\"json_object\"}}").get("toolConfig")).isEqualTo(json("""
                {"tools":[{"toolSpec":{"name":"json_object_answer","description":"Returns the final answer to the user as a JSON object.",
                   "inputSchema":{"json":{"type":"object"}}}}],
                 "toolChoice":{"tool":{"name":"json_object_answer"}}}"""));
        assertThat(upstreamBody("{" + user + ",\"response_format\":{\"type\":\"text\"}}").has("toolConfig")).isFalse();
        ApiException both = rejected("{" + user + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"response_format\":{\"type\":\"json_object\"}}");
        assertThat(both.param()).isEqualTo("response_format");
        assertThat(both.getMessage()).contains("'response_format'", "'tools'");
    }

    @Test
    void whatConverseCannotTakeIsA400NamingTheField() {
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}").param()).isEqualTo("n");
        assertThat(rejected("{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}").param()).isEqualTo("messages[0].role");
        assertThat(rejected("{\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}").param()).isEqualTo("messages");
        assertThat(rejected("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""")
                .param()).isEqualTo("messages[0].content[0]");
        assertThat(rejected("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}""")
                .getMessage()).contains("PNG, JPEG, GIF and WebP");
        assertThat(rejected("""
                {"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"wav"}}]}]}""")
                .param()).isEqualTo("messages[0].content[0]");
        assertThat(rejected("""
                {"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}""").param())
                .isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"required\"}").param())
                .isEqualTo("tool_choice");
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search\"}]}").param())
                .isEqualTo("tools[0].type");
        assertThat(rejected("{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}").param()).isEqualTo("messages[0].role");
    }

    // ---- response ----

    @Test
    void textResponseBecomesAChatCompletionWithCacheReadsAndWrites() {
        OpenAiToBedrockChatTranslator t = translator();
        t.responseHeaders(200, MultiMap.caseInsensitiveMultiMap().add("x-amzn-RequestId", REQUEST_ID));
        Translated translated = t.response(Recorded.buffer("bedrock/converse-text.json"));
        ObjectNode body = translated.body();
        assertThat(body.path("id").asText()).isEqualTo("chatcmpl-" + REQUEST_ID);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("model").asText()).isEqualTo(ALIAS);
        assertThat(body.at("/choices/0/message")).isEqualTo(json("""
                {"role":"assistant","content":"Grüezi! Zürich liegt am Zürichsee — 日本語も 🎉","refusal":null}"""));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        // OpenAI's prompt_tokens include the cache reads and writes, which Bedrock's inputTokens leave out
        assertThat(Recorded.reparse(body).get("usage")).isEqualTo(json("""
                {"prompt_tokens":1301,"completion_tokens":67,"total_tokens":1368,"prompt_tokens_details":{"cached_tokens":1024}}"""));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(1301, 67, 1024, 256, 0, false));
    }

    @Test
    void toolUseBlocksBecomeToolCallsWithArgumentsAsJsonStrings() {
        ObjectNode body = translator().response(Recorded.buffer("bedrock/converse-tool-use.json")).body();
        assertThat(body.path("id").asText()).isEqualTo("chatcmpl-bedrock");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Let me check both cities.");
        assertThat(body.at("/choices/0/message/tool_calls")).isEqualTo(json("""
                {"t":[{"id":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","type":"function",
                       "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Zürich\\",\\"unit\\":\\"celsius\\"}"}},
                      {"id":"tooluse_Qm3sHh2tSCmkV3p1l9WvYw","type":"function",
                       "function":{"name":"get_weather","arguments":"{\\"location\\":\\"São Paulo\\",\\"unit\\":\\"celsius\\"}"}}]}""").get("t"));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(Recorded.reparse(body).get("usage")).isEqualTo(json("{\"prompt_tokens\":96,\"completion_tokens\":42,\"total_tokens\":138}"));
    }

    @Test
    void theAnswerToolsCallIsTheMessageTextAndStops() {
        Translated translated = structured().response(Buffer.buffer("""
                {"output":{"message":{"role":"assistant","content":[
                   {"toolUse":{"toolUseId":"tooluse_Hx2pQ8vTQ7aWmN3kL0rS1g","name":"weather","input":{"city":"Zürich","temperature":18}}}]}},
                 "stopReason":"tool_use","usage":{"inputTokens":431,"outputTokens":38,"totalTokens":469}}"""));
        ObjectNode body = translated.body();
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("{\"city\":\"Zürich\",\"temperature\":18}");
        assertThat(body.at("/choices/0/message").has("tool_calls")).isFalse();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(Recorded.reparse(body).get("usage")).isEqualTo(json("{\"prompt_tokens\":431,\"completion_tokens\":38,\"total_tokens\":469}"));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(431, 38, false));
    }

    @Test
    void stopReasonsMapToFinishReasons() {
        assertThat(translator().response(Recorded.buffer("bedrock/converse-guardrail.json")).body().at("/choices/0/finish_reason").asText())
                .isEqualTo("content_filter");
        assertThat(BedrockWire.finishReason("end_turn")).isEqualTo("stop");
        assertThat(BedrockWire.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(BedrockWire.finishReason("tool_use")).isEqualTo("tool_calls");
        assertThat(BedrockWire.finishReason("max_tokens")).isEqualTo("length");
        assertThat(BedrockWire.finishReason("model_context_window_exceeded")).isEqualTo("length");
        assertThat(BedrockWire.finishReason("content_filtered")).isEqualTo("content_filter");
        assertThat(BedrockWire.finishReason(null)).isEqualTo("stop");
    }

    @Test
    void aResponseThatIsNotAConverseResponseIs502() {
        for (String bad : new String[]{"not json", "[1]", "{\"output\":{}}"}) {
            assertThatThrownBy(() -> translator().response(Buffer.buffer(bad)))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(502);
                        assertThat(e.code()).isEqualTo("upstream_invalid_response");
                        assertThat(e.getMessage()).contains("bedrock-main", "Converse");
                    });
        }
    }

    // ---- stream ----

    static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-" + REQUEST_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    static String usageChunk(String usage) {
        return "{\"id\":\"chatcmpl-" + REQUEST_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS
                + "\",\"choices\":[],\"usage\":" + usage + "}";
    }

    @Test
    void textEventStreamSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered, Recorded.bytes("bedrock/stream-text.eventstream"));
        assertThat(run.json()).containsExactly(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("{\"content\":\"Grüezi\"}", null),
                chunk("{\"content\":\" — 日本語も\"}", null),
                chunk("{\"content\":\" 🎉!\"}", null),
                chunk("{}", "stop"),
                usageChunk("{\"prompt_tokens\":1045,\"completion_tokens\":15,\"total_tokens\":1060,\"prompt_tokens_details\":{\"cached_tokens\":1024}}"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(1045, 15, 1024, 0, 0, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void toolUseEventStreamSurvivesEveryCutWithToolCallIndices() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered,
                Recorded.bytes("bedrock/stream-tool-use.eventstream"));
        assertThat(content(run.chunks())).isEqualTo("Let me check both cities.");
        assertThat(toolArguments(run.chunks())).isEqualTo(Map.of(
                0, "{\"location\": \"Zürich\", \"unit\": \"celsius\"}",
                1, "{\"location\": \"São Paulo\", \"unit\": \"celsius\"}"));
        assertThat(run.json()).contains(chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"tooluse_Qm3sHh2tSCmkV3p1l9WvYw\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null));
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "tool_calls"));
        assertThat(run.json().getLast()).isEqualTo(usageChunk("{\"prompt_tokens\":608,\"completion_tokens\":72,\"total_tokens\":680}"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(608, 72, 0, 512, 0, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void theAnswerToolsInputStreamsAsContentAndStopsAtEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::structured,
                Recorded.bytes("bedrock/stream-answer-tool.eventstream"));
        assertThat(run.json()).containsExactly(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("{\"content\":\"{\\\"city\\\": \\\"Zür\"}", null),
                chunk("{\"content\":\"ich\\\", \\\"temperature\\\": 18}\"}", null),
                chunk("{}", "stop"),
                usageChunk("{\"prompt_tokens\":431,\"completion_tokens\":38,\"total_tokens\":469}"));
        assertThat(content(run.chunks())).isEqualTo("{\"city\": \"Zürich\", \"temperature\": 18}");
        assertThat(run.usage()).isEqualTo(new TokenUsage(431, 38, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void reasoningIsNotPartOfTheChatStreamAndMaxTokensIsLength() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered,
                Recorded.bytes("bedrock/stream-reasoning-max-tokens.eventstream"));
        assertThat(content(run.chunks())).isEqualTo("27 × 453 = 12,231");
        assertThat(run.json()).noneMatch(j -> j.contains("Multiplying") || j.contains("EqoBCkgIARABGAIiQL2m"));
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "length"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(14, 71, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void anExceptionMessageEndsTheStreamWithAnError() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered,
                Recorded.bytes("bedrock/stream-exception.eventstream"));
        assertThat(content(run.chunks())).isEqualTo("Es war einmal");
        assertThat(run.done()).isFalse();
        assertThat(run.error().status()).isEqualTo(502);
        assertThat(run.error().code()).isEqualTo("upstream_stream_error");
        assertThat(run.error().getMessage()).contains("bedrock-main", "throttlingException", "Too many tokens");
    }

    @Test
    void aStreamCutInsideAMessageIsNotDone() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered,
                Recorded.bytes("bedrock/stream-truncated.eventstream"));
        assertThat(content(run.chunks())).isEqualTo("Cut off mid-stréam");
        assertThat(run.json()).noneMatch(j -> j.contains("\"usage\""));
        assertThat(run.done()).isFalse();
        assertThat(run.error()).isNull();
    }

    @Test
    void aDamagedMessageFailsItsCrcAndIsA502AfterTheGoodOnes() {
        byte[] bytes = Recorded.bytes("bedrock/stream-text.eventstream");
        int second = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
        byte[] damaged = Arrays.copyOf(bytes, bytes.length);
        damaged[second + 40] ^= 0x01; // a byte inside the second message: its message CRC no longer matches
        StreamReplay.Run run = StreamReplay.replay(OpenAiToBedrockChatTranslatorTest::answered, damaged);
        assertThat(run.json()).containsExactly(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
        assertThat(run.error().status()).isEqualTo(502);
        assertThat(run.error().code()).isEqualTo("upstream_invalid_response");
        assertThat(run.done()).isFalse();
        StreamOutput garbage = answered().stream(Buffer.buffer("data: {\"not\":\"an event stream\"}\n\n"), true);
        assertThat(garbage.error().code()).isEqualTo("upstream_invalid_response");
    }

    // ---- errors ----

    static MultiMap errorType(String type) {
        return MultiMap.caseInsensitiveMultiMap().add("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
    }

    @Test
    void bedrockErrorsAreNormalised() {
        ApiException invalid = translator().error(400, Recorded.buffer("bedrock/error-validation.json"), errorType("ValidationException"));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.type()).isEqualTo("invalid_request_error");
        assertThat(invalid.getMessage()).contains("must alternate between user and assistant");

        ApiException credentials = translator().error(403, Recorded.buffer("bedrock/error-unrecognized-client.json"),
                errorType("UnrecognizedClientException"));
        assertThat(credentials.status()).isEqualTo(502);
        assertThat(credentials.code()).isEqualTo("upstream_auth_failed");
        assertThat(credentials.getMessage()).contains("bedrock-main", "AWS credentials", "UnrecognizedClientException");
        ApiException denied = translator().error(403, Recorded.buffer("bedrock/error-access-denied-type-in-body.json"),
                MultiMap.caseInsensitiveMultiMap());
        assertThat(denied.status()).isEqualTo(502);
        assertThat(denied.code()).isEqualTo("upstream_auth_failed");
        assertThat(denied.getMessage()).contains("AccessDeniedException", "don't have access");

        ApiException throttled = translator().error(429, Recorded.buffer("bedrock/error-throttling.json"),
                errorType("ThrottlingException").add("Retry-After", "3"));
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.type()).isEqualTo("rate_limit_error");
        assertThat(throttled.retryAfterSeconds()).isEqualTo(3L);
        assertThat(throttled.getMessage()).contains("Too many requests");

        ApiException notReady = translator().error(429, Recorded.buffer("bedrock/error-model-not-ready.json"), errorType("ModelNotReadyException"));
        assertThat(notReady.status()).isEqualTo(503);
        assertThat(notReady.code()).isEqualTo("upstream_unavailable");
        ApiException unavailable = translator().error(503, Buffer.buffer("{\"message\":\"Bedrock is unable to process your request.\"}"),
                errorType("ServiceUnavailableException"));
        assertThat(unavailable.status()).isEqualTo(503);
        ApiException timeout = translator().error(408, Buffer.buffer("{\"message\":\"Model has timed out\"}"), errorType("ModelTimeoutException"));
        assertThat(timeout.status()).isEqualTo(504);
        ApiException quota = translator().error(400, Buffer.buffer("{\"message\":\"quota\"}"), errorType("ServiceQuotaExceededException"));
        assertThat(quota.status()).isEqualTo(429);
        ApiException internal = translator().error(500, Buffer.buffer("not json"), MultiMap.caseInsensitiveMultiMap());
        assertThat(internal.status()).isEqualTo(502);
    }
}
