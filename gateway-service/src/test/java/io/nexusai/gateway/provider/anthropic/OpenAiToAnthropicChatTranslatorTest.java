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
import static io.nexusai.gateway.provider.StreamReplay.content;
import static io.nexusai.gateway.provider.StreamReplay.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiToAnthropicChatTranslatorTest {
    static final String ALIAS = "nexus-claude";
    static final Deployment ANTHROPIC = Recorded.deployment(ProviderKind.ANTHROPIC, "https://api.anthropic.com", "claude-sonnet-4-5", Map.of());
    static final Deployment CONFIGURED = Recorded.deployment(ProviderKind.ANTHROPIC, "https://anthropic.internal.example/", "claude-haiku-4-5",
            Map.of("anthropic_version", "2024-10-22", "default_max_tokens", "1024"));

    static OpenAiToAnthropicChatTranslator translator() {
        return new OpenAiToAnthropicChatTranslator(Recorded.MAPPER, ANTHROPIC, ALIAS);
    }

    static ObjectNode upstreamBody(String clientBody) {
        return json(translator().request(json(clientBody), json(clientBody).path("stream").asBoolean()).body());
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
    void requestMapsSystemMessagesModelAndDefaultsAndDropsWhatAnthropicLacks() {
        String client = """
                {"model":"nexus-claude","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hello"}],
                 "logprobs":true,"top_logprobs":2,"seed":7,"presence_penalty":0.5,"frequency_penalty":0.1,
                 "logit_bias":{"50256":-100},"service_tier":"auto"}""";
        UpstreamRequest request = translator().request(json(client), false);
        assertThat(request.url()).isEqualTo("https://api.anthropic.com/v1/messages");
        assertThat(request.headers()).isEqualTo(Map.of("anthropic-version", "2023-06-01"));
        assertThat(json(request.body())).isEqualTo(json("""
                {"model":"claude-sonnet-4-5","max_tokens":4096,"system":"You are terse.\\n\\nAnswer in French.",
                 "messages":[{"role":"user","content":"Hello"}]}"""));
    }

    @Test
    void maxTokensComesFromTheRequestThenTheSettingThenTheDefault() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        assertThat(upstreamBody("{" + messages + ",\"max_tokens\":50,\"max_completion_tokens\":70}").path("max_tokens").asInt()).isEqualTo(70);
        assertThat(upstreamBody("{" + messages + ",\"max_tokens\":50}").path("max_tokens").asInt()).isEqualTo(50);
        assertThat(upstreamBody("{" + messages + "}").path("max_tokens").asInt()).isEqualTo(4096);
        UpstreamRequest configured = new OpenAiToAnthropicChatTranslator(Recorded.MAPPER, CONFIGURED, ALIAS)
                .request(json("{" + messages + "}"), false);
        assertThat(json(configured.body()).path("max_tokens").asInt()).isEqualTo(1024);
        assertThat(json(configured.body()).path("model").asText()).isEqualTo("claude-haiku-4-5");
        assertThat(configured.url()).isEqualTo("https://anthropic.internal.example/v1/messages");
        assertThat(configured.headers()).isEqualTo(Map.of("anthropic-version", "2024-10-22"));
    }

    @Test
    void samplingStopUserAndStreamAreMappedAndTemperatureIsClampedToAnthropicsRange() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":"x"}],"temperature":1.7,"top_p":0.9,"stop":"###","user":"user-42","stream":true,
                 "stream_options":{"include_usage":true}}""");
        assertThat(body).isEqualTo(json("""
                {"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"x"}],
                 "stop_sequences":["###"],"temperature":1.0,"top_p":0.9,"metadata":{"user_id":"user-42"},"stream":true}"""));
        assertThat(upstreamBody("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":-0.5}").path("temperature").asDouble()).isEqualTo(0.0);
        assertThat(upstreamBody("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.3}").path("temperature").asDouble()).isEqualTo(0.3);
        ObjectNode stops = upstreamBody("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[\"END\",\"\\n\\nHuman:\"],\"stream\":false}");
        assertThat(stops.path("stop_sequences")).isEqualTo(json("{\"s\":[\"END\",\"\\n\\nHuman:\"]}").get("s"));
        assertThat(stops.has("stream")).isFalse();
    }

    @Test
    void imagePartsBecomeBase64OrUrlImageBlocks() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg"}}]}]}""");
        assertThat(body.path("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}},
                  {"type":"image","source":{"type":"url","url":"https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg"}}]}]}""").get("m"));
    }

    @Test
    void unsupportedContentPartsAndImageUrlsAre400() {
        ApiException audio = rejected("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"listen"},{"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}]}""");
        assertThat(audio.param()).isEqualTo("messages[0].content[1]");
        assertThat(audio.getMessage()).contains("input_audio");
        ApiException ftp = rejected("""
                {"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://example.com/cat.png"}}]}]}""");
        assertThat(ftp.param()).isEqualTo("messages[1].content[0]");
        ApiException systemImage = rejected("""
                {"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},{"role":"user","content":"x"}]}""");
        assertThat(systemImage.param()).isEqualTo("messages[0].content[0]");
    }

    @Test
    void toolsAndToolChoiceVariants() {
        String tools = """
                "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","strict":true,
                  "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}},
                 {"type":"function","function":{"name":"get_time"}}]""";
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Bern?\"}]";
        ObjectNode auto = upstreamBody("{" + messages + "," + tools + ",\"tool_choice\":\"auto\"}");
        assertThat(auto.path("tools")).isEqualTo(json("""
                {"t":[{"name":"get_weather","description":"Current weather",
                  "input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
                 {"name":"get_time","input_schema":{"type":"object","properties":{}}}]}""").get("t"));
        assertThat(auto.path("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"tool_choice\":\"none\"}").path("tool_choice"))
                .isEqualTo(json("{\"type\":\"none\"}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"tool_choice\":\"required\"}").path("tool_choice"))
                .isEqualTo(json("{\"type\":\"any\"}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}}")
                .path("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"get_time\"}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"parallel_tool_calls\":false}").path("tool_choice"))
                .isEqualTo(json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false}").path("tool_choice"))
                .isEqualTo(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
        assertThat(upstreamBody("{" + messages + "," + tools + ",\"parallel_tool_calls\":true}").has("tool_choice")).isFalse();
        assertThat(upstreamBody("{" + messages + "," + tools + "}").has("tool_choice")).isFalse();

        assertThat(rejected("{" + messages + "," + tools + ",\"tool_choice\":\"sometimes\"}").param()).isEqualTo("tool_choice");
        assertThat(rejected("{" + messages + ",\"tool_choice\":\"required\"}").param()).isEqualTo("tool_choice");
        assertThat(rejected("{" + messages + ",\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]}").param()).isEqualTo("tools[0].type");
        assertThat(upstreamBody("{" + messages + ",\"tool_choice\":\"none\"}").has("tool_choice")).isFalse();
    }

    @Test
    void toolCallsAndToolResultsBecomeBlocksAndConsecutiveTurnsMerge() {
        ObjectNode body = upstreamBody("""
                {"messages":[
                  {"role":"user","content":"Weather in Zürich and Bern?"},
                  {"role":"assistant","content":"Checking both.","tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Zürich\\"}"}},
                    {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Bern\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"12°C, rain"},
                  {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"15°C, sun"}]},
                  {"role":"user","content":"Which is warmer?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_3","type":"function","function":{"name":"noop","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_3","content":""},
                  {"role":"user","content":"Thanks"},
                  {"role":"user","content":[{"type":"text","text":"Bye"}]}]}""");
        assertThat(body.path("messages")).isEqualTo(json("""
                {"m":[
                  {"role":"user","content":"Weather in Zürich and Bern?"},
                  {"role":"assistant","content":[
                    {"type":"text","text":"Checking both."},
                    {"type":"tool_use","id":"call_1","name":"get_weather","input":{"location":"Zürich"}},
                    {"type":"tool_use","id":"call_2","name":"get_weather","input":{"location":"Bern"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"call_1","content":"12°C, rain"},
                    {"type":"tool_result","tool_use_id":"call_2","content":"15°C, sun"},
                    {"type":"text","text":"Which is warmer?"}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"call_3","name":"noop","input":{}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"call_3"},
                    {"type":"text","text":"Thanks"},
                    {"type":"text","text":"Bye"}]}]}""").get("m"));
    }

    @Test
    void consecutiveAssistantMessagesMergeToo() {
        ObjectNode body = upstreamBody("""
                {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."},
                  {"role":"assistant","content":[{"type":"text","text":"How can I help?"}]},{"role":"user","content":"Go on"}]}""");
        assertThat(body.path("messages")).isEqualTo(json("""
                {"m":[{"role":"user","content":"Hi"},
                  {"role":"assistant","content":[{"type":"text","text":"Hello."},{"type":"text","text":"How can I help?"}]},
                  {"role":"user","content":"Go on"}]}""").get("m"));
    }

    @Test
    void invalidToolArgumentsAre400() {
        String template = """
                {"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":%s}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"ok"}]}""";
        ApiException broken = rejected(template.formatted("\"{\\\"location\\\": \\\"Zür\""));
        assertThat(broken.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(rejected(template.formatted("\"[1,2]\"")).param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(rejected(template.formatted("{\"a\":1}")).param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    static final String STRUCTURED = """
            {"model":"nexus-claude","messages":[{"role":"user","content":"Weather in Zürich as JSON"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"weather","description":"The weather in a city","strict":true,
               "schema":{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"integer"}},
                         "required":["city","temperature"],"additionalProperties":false}}}}""";

    /** A translator that has translated the structured-output request, as the gateway calls it. */
    static OpenAiToAnthropicChatTranslator structured() {
        OpenAiToAnthropicChatTranslator t = translator();
        t.request(json(STRUCTURED), true);
        return t;
    }

    @Test
    void responseFormatJsonSchemaBecomesOneForcedToolWithTheSchema() {
        ObjectNode body = upstreamBody(STRUCTURED);
        assertThat(body.get("tools")).isEqualTo(json("""
                {"t":[{"name":"weather",
                  "description":"Returns the final answer to the user, which must match this tool's input schema. The answer: The weather in a city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"},"temperature":{"type":"integer"}},
                                  "required":["city","temperature"],"additionalProperties":false}}]}""").get("t"));
        assertThat(body.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"weather\"}"));
        assertThat(body.has("response_format")).isFalse();

        String user = "\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        ObjectNode object = upstreamBody("{" + user + ",\"response_format\":{\"type\":\"json_object\"},\"tool_choice\":\"auto\"}");
        assertThat(object.at("/tools/0/name").asText()).isEqualTo("json_object_answer");
        assertThat(object.at("/tools/0/input_schema")).isEqualTo(json("{\"type\":\"object\"}"));
        assertThat(object.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_object_answer\"}"));
        ObjectNode text = upstreamBody("{" + user + ",\"response_format\":{\"type\":\"text\"}}");
        assertThat(text.has("tools")).isFalse();
        assertThat(text.has("tool_choice")).isFalse();
    }

    @Test
    void responseFormatBesideToolsOrWithABadSchemaIs400NamingIt() {
        String user = "\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        assertThat(rejected("{" + user + tools + ",\"response_format\":{\"type\":\"json_object\"}}").param()).isEqualTo("response_format");
        assertThat(rejected("{" + user + tools + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\"}}}")
                .getMessage()).contains("'response_format'", "'tools'");
        assertThat(rejected("{" + user + ",\"response_format\":{\"type\":\"xml\"}}").param()).isEqualTo("response_format.type");
        assertThat(rejected("{" + user + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}}").param())
                .isEqualTo("response_format.json_schema.name");
        assertThat(rejected("{" + user + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a b\"}}}").param())
                .isEqualTo("response_format.json_schema.name");
        assertThat(rejected("{" + user + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\","
                + "\"schema\":{\"type\":\"array\"}}}}").param()).isEqualTo("response_format.json_schema.schema");
        // with no tools of its own, a text format is no reason to refuse them
        assertThat(upstreamBody("{" + user + tools + ",\"response_format\":{\"type\":\"text\"}}").at("/tools/0/name").asText()).isEqualTo("f");
    }

    @Test
    void nAbove1IsRefusedBecauseAnthropicReturnsOneChoice() {
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}").param()).isEqualTo("n");
        assertThat(upstreamBody("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":1}").has("n")).isFalse();
    }

    @Test
    void conversationMustStartWithAUserTurn() {
        ApiException assistantFirst = rejected("{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"assistant\",\"content\":\"Hi\"}]}");
        assertThat(assistantFirst.param()).isEqualTo("messages[1].role");
        assertThat(assistantFirst.getMessage()).contains("start with a user message");
        assertThat(rejected("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"x\"}]}").param()).isEqualTo("messages[0].role");
        assertThat(rejected("{\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}").param()).isEqualTo("messages");
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"function\",\"name\":\"f\",\"content\":\"1\"}]}").param())
                .isEqualTo("messages[1].role");
        assertThat(rejected("{\"messages\":[{\"role\":\"user\",\"content\":null}]}").param()).isEqualTo("messages[0].content");
    }

    // ---- response ----

    @Test
    void textResponseBecomesAChatCompletion() {
        long before = System.currentTimeMillis() / 1000;
        Translated translated = translator().response(Recorded.buffer("anthropic/message-text.json"));
        ObjectNode body = translated.body();
        assertThat(body.path("created").asLong()).isBetween(before, System.currentTimeMillis() / 1000);
        body.put("created", 0);
        assertThat(Recorded.reparse(body)).isEqualTo(json("""
                {"id":"chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":0,"model":"nexus-claude",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hi! My name is Claude. ¿Cómo estás?","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":2598}}"""));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(2095, 503, false));
    }

    @Test
    void toolUseResponseBecomesToolCallsWithArgumentsAsJsonStrings() {
        Translated translated = translator().response(Recorded.buffer("anthropic/message-tool-use.json"));
        ObjectNode body = translated.body();
        body.put("created", 0);
        assertThat(Recorded.reparse(body)).isEqualTo(json("""
                {"id":"chatcmpl-msg_01Aq9w938a90dw8q","object":"chat.completion","created":0,"model":"nexus-claude",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"I'll check the current weather in Zürich for you.","refusal":null,
                   "tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                     "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Zürich, CH\\",\\"unit\\":\\"celsius\\"}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":2448,"completion_tokens":77,"total_tokens":2525,"prompt_tokens_details":{"cached_tokens":2048}}}"""));
        // input_tokens excludes the cache: the prompt is input + cache creation + cache read, the reads are the cached tokens
        assertThat(translated.usage()).isEqualTo(new TokenUsage(384 + 16 + 2048, 77, 2048, 16, 0, false));
    }

    @Test
    void aResponseWithOnlyToolUseHasNullContentAndMaxTokensIsLength() {
        Translated onlyTool = translator().response(Buffer.buffer("""
                {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}],
                 "stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":3}}"""));
        assertThat(onlyTool.body().at("/choices/0/message/content").isNull()).isTrue();
        assertThat(onlyTool.body().at("/choices/0/message/tool_calls/0/function/arguments").asText()).isEqualTo("{}");
        Translated truncated = translator().response(Recorded.buffer("anthropic/message-max-tokens.json"));
        assertThat(truncated.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(truncated.usage()).isEqualTo(new TokenUsage(39, 16, 8, 0, 0, false));
    }

    @Test
    void theAnswerToolsCallIsTheMessageTextAndStops() {
        Translated translated = structured().response(Recorded.buffer("anthropic/message-answer-tool.json"));
        ObjectNode body = translated.body();
        body.put("created", 0);
        assertThat(Recorded.reparse(body)).isEqualTo(json("""
                {"id":"chatcmpl-msg_01Hk7sVq2cXb4N8mRtYw3LpD","object":"chat.completion","created":0,"model":"nexus-claude",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"{\\"city\\":\\"Zürich\\",\\"temperature\\":18}","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":612,"completion_tokens":41,"total_tokens":653}}"""));
        assertThat(translated.usage()).isEqualTo(new TokenUsage(612, 41, false));
        // cut short, the answer is whatever input came back, and says so
        Translated truncated = structured().response(Buffer.buffer("""
                {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"weather","input":{}}],
                 "stop_reason":"max_tokens","usage":{"input_tokens":5,"output_tokens":3}}"""));
        assertThat(truncated.body().at("/choices/0/message/content").asText()).isEqualTo("{}");
        assertThat(truncated.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void stopReasonsMapToFinishReasons() {
        assertThat(AnthropicWire.finishReason("end_turn")).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason("max_tokens")).isEqualTo("length");
        assertThat(AnthropicWire.finishReason("model_context_window_exceeded")).isEqualTo("length");
        assertThat(AnthropicWire.finishReason("tool_use")).isEqualTo("tool_calls");
        assertThat(AnthropicWire.finishReason("refusal")).isEqualTo("content_filter");
        assertThat(AnthropicWire.finishReason("pause_turn")).isEqualTo("stop");
        assertThat(AnthropicWire.finishReason(null)).isEqualTo("stop");
    }

    @Test
    void aResponseThatIsNotAMessageIs502() {
        for (String bad : new String[]{"not json", "[1]", "{\"type\":\"message\"}"}) {
            assertThatThrownBy(() -> translator().response(Buffer.buffer(bad)))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(502);
                        assertThat(e.code()).isEqualTo("upstream_invalid_response");
                        assertThat(e.getMessage()).contains("anthropic-main", "chat.completions");
                    });
        }
    }

    // ---- stream ----

    @Test
    void textStreamSurvivesEveryCut() {
        long before = System.currentTimeMillis() / 1000;
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-text.sse"));
        assertThat(run.json()).containsExactly(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null, "msg_01XFDUDYJgAACzvnptvVoYEL"),
                chunk("{\"content\":\"Grüezi\"}", null, "msg_01XFDUDYJgAACzvnptvVoYEL"),
                chunk("{\"content\":\" — 日本語も\"}", null, "msg_01XFDUDYJgAACzvnptvVoYEL"),
                chunk("{\"content\":\" 🎉!\"}", null, "msg_01XFDUDYJgAACzvnptvVoYEL"),
                chunk("{}", "stop", "msg_01XFDUDYJgAACzvnptvVoYEL"),
                usageChunk("msg_01XFDUDYJgAACzvnptvVoYEL", 25, 15));
        assertThat(run.chunks()).extracting(c -> c.path("created").asLong()).containsOnly(run.chunks().get(0).path("created").asLong());
        assertThat(run.chunks().get(0).path("created").asLong()).isBetween(before, System.currentTimeMillis() / 1000);
        assertThat(run.usage()).isEqualTo(new TokenUsage(25, 15, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void toolUseStreamSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-tool-use.sse"));
        assertThat(content(run.chunks())).isEqualTo("I'll check the weather in both cities.");
        assertThat(toolArguments(run.chunks())).isEqualTo(Map.of(
                0, "{\"location\": \"Zürich\", \"unit\": \"celsius\"}",
                1, "{\"location\": \"São Paulo\", \"unit\": \"celsius\"}"));
        String id = "msg_014p7gG3wDgGV9EUtLvnow3U";
        assertThat(run.json()).contains(
                chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null, id),
                chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"toolu_01VKSxr7LzEeY8T6fqqbtZvd\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null, id),
                chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]}", null, id));
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "tool_calls", id));
        assertThat(run.json().get(run.json().size() - 1)).isEqualTo(usageChunk(id, 472 + 100 + 1200, 89, 1200));
        assertThat(run.usage()).isEqualTo(new TokenUsage(1772, 89, 1200, 100, 0, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void theAnswerToolsInputStreamsAsContentAndStopsAtEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::structured,
                Recorded.bytes("anthropic/messages-answer-tool.sse"));
        String id = "msg_01Hk7sVq2cXb4N8mRtYw3LpD";
        assertThat(run.json()).containsExactly(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null, id),
                chunk("{\"content\":\"{\\\"city\\\": \\\"Zür\"}", null, id),
                chunk("{\"content\":\"ich\\\", \\\"temperature\\\": 18}\"}", null, id),
                chunk("{}", "stop", id),
                usageChunk(id, 612, 41));
        assertThat(content(run.chunks())).isEqualTo("{\"city\": \"Zürich\", \"temperature\": 18}");
        assertThat(run.usage()).isEqualTo(new TokenUsage(612, 41, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void thinkingBlocksAreNotPartOfTheChatStream() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-thinking.sse"));
        assertThat(content(run.chunks())).isEqualTo("27 × 453 = 12,231");
        assertThat(run.json()).noneMatch(j -> j.contains("thinking") || j.contains("signature"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(40, 60, false));
        assertThat(run.done()).isTrue();
    }

    @Test
    void cumulativeUsageInMessageDeltaIsTakenAsIs() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-max-tokens.sse"));
        assertThat(content(run.chunks())).isEqualTo("Il était une fois, à Montréal, un café où l’on");
        assertThat(run.json().get(run.json().size() - 2)).isEqualTo(chunk("{}", "length", "msg_01HcR5yEw2fN7xKq9TzM4vJp"));
        assertThat(run.usage()).isEqualTo(new TokenUsage(39, 16, 8, 0, 0, false));
    }

    @Test
    void anErrorEventEndsTheStreamWithA502() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-error.sse"));
        assertThat(content(run.chunks())).isEqualTo("Es war einmal");
        assertThat(run.done()).isFalse();
        assertThat(run.usage()).isEqualTo(new TokenUsage(12, 0, false));
        assertThat(run.error()).isNotNull();
        assertThat(run.error().status()).isEqualTo(502);
        assertThat(run.error().code()).isEqualTo("upstream_stream_error");
        assertThat(run.error().getMessage()).contains("anthropic-main", "Overloaded");
    }

    @Test
    void aStreamCutBeforeMessageStopIsNotDone() {
        StreamReplay.Run run = StreamReplay.replay(OpenAiToAnthropicChatTranslatorTest::translator, Recorded.bytes("anthropic/messages-truncated.sse"));
        assertThat(content(run.chunks())).isEqualTo("Cut off mid-stréam");
        assertThat(run.json()).noneMatch(j -> j.contains("\"usage\""));
        assertThat(run.done()).isFalse();
        assertThat(run.error()).isNull();
        assertThat(run.usage()).isEqualTo(new TokenUsage(9, 0, false));
    }

    @Test
    void anUnparseableEventIsA502() {
        var out = translator().stream(Buffer.buffer("event: message_start\ndata: {not json\n\n"), false);
        assertThat(out.error()).isNotNull();
        assertThat(out.error().status()).isEqualTo(502);
        assertThat(out.error().code()).isEqualTo("upstream_invalid_response");
    }

    // ---- errors ----

    @Test
    void anthropicErrorEnvelopesAreNormalised() {
        MultiMap none = MultiMap.caseInsensitiveMultiMap();
        ApiException invalid = translator().error(400, Recorded.buffer("anthropic/error-400.json"), none);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.type()).isEqualTo("invalid_request_error");
        assertThat(invalid.getMessage()).startsWith("messages: roles must alternate");

        ApiException overloaded = translator().error(529, Recorded.buffer("anthropic/error-529.json"), none);
        assertThat(overloaded.status()).isEqualTo(503);
        assertThat(overloaded.getMessage()).contains("Overloaded");

        ApiException limited = translator().error(429, Recorded.buffer("anthropic/error-429.json"),
                MultiMap.caseInsensitiveMultiMap().add("retry-after", "30"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.retryAfterSeconds()).isEqualTo(30L);
        assertThat(limited.getMessage()).contains("50,000 input tokens per minute");

        ApiException auth = translator().error(401, Recorded.buffer("anthropic/error-401.json"), none);
        assertThat(auth.status()).isEqualTo(502);
        assertThat(auth.code()).isEqualTo("upstream_auth_failed");
    }

    static String chunk(String delta, String finishReason, String messageId) {
        return "{\"id\":\"chatcmpl-" + messageId + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS + "\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    static String usageChunk(String messageId, long prompt, long completion) {
        return usageChunk(messageId, prompt, completion, 0);
    }

    static String usageChunk(String messageId, long prompt, long completion, long cached) {
        return "{\"id\":\"chatcmpl-" + messageId + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + ALIAS + "\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion)
                + (cached > 0 ? ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}" : "") + "}}";
    }
}
