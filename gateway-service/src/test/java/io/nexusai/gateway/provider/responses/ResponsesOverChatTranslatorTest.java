package io.nexusai.gateway.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.anthropic.OpenAiToAnthropicChatTranslator;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;
import io.nexusai.testsupport.OpenAiSchemas;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Responses API over chat translators: request mapping, whole answers, and recorded chat streams (OpenAI's and
 * Anthropic's through their chat translators) replayed cut at every byte into the typed event sequence, each event
 * valid against OpenAI's description.
 */
class ResponsesOverChatTranslatorTest {
    static final Deployment OPENAI = Recorded.deployment(ProviderKind.OPENAI, "https://api.openai.com/v1", "gpt-4o-2024-08-06", Map.of());
    static final Deployment ANTHROPIC = Recorded.deployment(ProviderKind.ANTHROPIC, "https://api.anthropic.com", "claude-sonnet-4-5", Map.of());
    static final String ALIAS = "nexus-smart";
    /** Generated ids and clock readings blanked, for comparing runs. */
    static final UnaryOperator<String> STABLE = s -> s.replaceAll("\"(resp|msg|fc|call)_[0-9a-f]{48}\"", "\"$1_x\"")
            .replaceAll("\"(created_at|completed_at)\":\\d+", "\"$1\":0");

    static ResponsesOverChatTranslator overOpenAi(String body, boolean stream) {
        ResponsesOverChatTranslator t = new ResponsesOverChatTranslator(Recorded.MAPPER,
                new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.CHAT), ALIAS);
        t.request(json(body), stream);
        return t;
    }

    static ResponsesOverChatTranslator overAnthropic(String body, boolean stream) {
        ResponsesOverChatTranslator t = new ResponsesOverChatTranslator(Recorded.MAPPER,
                new OpenAiToAnthropicChatTranslator(Recorded.MAPPER, ANTHROPIC, ALIAS), ALIAS);
        t.request(json(body), stream);
        return t;
    }

    @Test
    void everyFieldMapsToItsChatCounterpart() {
        String body = """
                {"model":"nexus-smart","instructions":"Be brief.","store":false,"metadata":{"k":"v"},"user":"u-1",
                 "input":[{"role":"developer","content":"Use metric units."},
                          {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in"},
                             {"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]},
                          {"type":"reasoning","id":"rs_1","summary":[]},
                          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me check."}]},
                          {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
                          {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"},
                          {"type":"function_call_output","call_id":"call_1","output":"18C"},
                          {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]}],
                 "tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true}],
                 "tool_choice":{"type":"function","name":"get_weather"},"parallel_tool_calls":false,
                 "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
                 "max_output_tokens":256,"reasoning":{"effort":"low"},"temperature":0.3,"top_p":0.9}""";
        ObjectNode original = json(body);
        ObjectNode client = original.deepCopy();
        ObjectNode chat = json(overOpenAi(body, true).request(client, true).body());
        assertThat(client).as("the client's body is left as it was (failover reuses it)").isEqualTo(original);
        assertThat(chat).isEqualTo(json("""
                {"model":"gpt-4o-2024-08-06","messages":[
                   {"role":"system","content":"Be brief."},
                   {"role":"system","content":"Use metric units."},
                   {"role":"user","content":[{"type":"text","text":"Weather in"},
                      {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]},
                   {"role":"assistant","content":"Let me check.","tool_calls":[
                      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                      {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"18C"},
                   {"role":"tool","tool_call_id":"call_2","content":"noon"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}},
                 "max_completion_tokens":256,"reasoning_effort":"low","temperature":0.3,"top_p":0.9,"user":"u-1",
                 "stream":true,"stream_options":{"include_usage":true}}"""));
    }

    @Test
    void aStringInputIsOneUserMessageAndJsonModeIsJsonObject() {
        ObjectNode chat = json(new ResponsesOverChatTranslator(Recorded.MAPPER,
                new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.CHAT), ALIAS).request(json("""
                {"model":"m","input":"Hi","text":{"format":{"type":"json_object"}}}"""), false).body());
        assertThat(chat).isEqualTo(json("""
                {"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}"""));
    }

    @Test
    void whatChatCannotCarryIsRefusedNamingTheParam() {
        assertRefused("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}", "tools[0].type");
        assertRefused("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}", "input[0].type");
        assertRefused("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}",
                "input[0].content[0].type");
        assertRefused("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}",
                "input[0].content[0].image_url");
        assertRefused("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"web_search_preview\"}}", "tool_choice.type");
    }

    private static void assertRefused(String body, String param) {
        assertThatThrownBy(() -> overOpenAi(body, false))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                });
    }

    @Test
    void theEndpointChecksTheShapeWithOpenAiParams() {
        assertInvalid("{\"model\":\"m\"}", "input");
        assertInvalid("{\"model\":\"m\",\"input\":5}", "input");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}", "input[0].role");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\"}]}", "input[0].arguments");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\"}]}", "input[0].output");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":8}", "max_output_tokens");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\"}]}", "tools[0].name");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"always\"}", "tool_choice");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\"}}}", "text.format.schema");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"yaml\"}}}", "text.format.type");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"metadata\":{\"k\":1}}", "metadata.k");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"store\":\"yes\"}", "store");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"reasoning\":{\"effort\":3}}", "reasoning.effort");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"background\":true}", "background");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"conversation\":\"conv_1\"}", "conversation");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"stream\":\"yes\"}", "stream");
        assertThat(Endpoint.RESPONSES.parse(json("{\"model\":\"m\",\"previous_response_id\":\"resp_1\"}")).model()).isEqualTo("m");
        assertThat(Endpoint.RESPONSES.maxOutputTokens(json("{\"max_output_tokens\":300}"), 7)).isEqualTo(300);
        assertThat(Endpoint.RESPONSES.maxOutputTokens(json("{}"), 7)).isEqualTo(7);
    }

    private static void assertInvalid(String body, String param) {
        assertThatThrownBy(() -> Endpoint.RESPONSES.parse(json(body)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                });
    }

    @Test
    void aWholeAnswerIsAResponseWithItsUsageDetails() {
        ResponsesOverChatTranslator t = overOpenAi("""
                {"model":"nexus-smart","input":"hi","instructions":"Be brief.","metadata":{"k":"v"},"store":false,
                 "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]}""", false);
        Translated out = t.response(Buffer.buffer("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
                   "prompt_tokens_details":{"cached_tokens":1920},"completion_tokens_details":{"reasoning_tokens":256}}}"""));
        ObjectNode r = out.body();
        assertValid("Response", r);
        assertThat(r.get("id").asText()).isEqualTo(t.objects().id()).startsWith("resp_");
        assertThat(r.get("object").asText()).isEqualTo("response");
        assertThat(r.get("status").asText()).isEqualTo("completed");
        assertThat(r.get("model").asText()).isEqualTo(ALIAS);
        assertThat(r.get("instructions").asText()).isEqualTo("Be brief.");
        assertThat(r.get("store").asBoolean()).isFalse();
        assertThat(r.get("metadata")).isEqualTo(json("{\"k\":\"v\"}"));
        assertThat(r.at("/tools/0")).isEqualTo(json("{\"type\":\"function\",\"name\":\"f\",\"description\":null,"
                + "\"parameters\":{\"type\":\"object\"},\"strict\":null}"));
        assertThat(r.at("/output/0/type").asText()).isEqualTo("message");
        assertThat(r.at("/output/0/content/0")).isEqualTo(json("{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],"
                + "\"text\":\"Hello there.\"}"));
        assertThat(json(r.get("usage").toString())).isEqualTo(json("""
                {"input_tokens":2006,"input_tokens_details":{"cached_tokens":1920,"cache_write_tokens":0},
                 "output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2306}"""));
        assertThat(out.usage()).isEqualTo(new TokenUsage(2006, 300, 1920, 0, 256, false));
        StringBuilder delivered = new StringBuilder();
        out.json().appendText(delivered);
        assertThat(delivered.toString()).isEqualTo("Hello there.");
    }

    @Test
    void toolCallsAreFunctionCallItemsAndALengthCutIsIncomplete() {
        ObjectNode r = overOpenAi("{\"model\":\"nexus-smart\",\"input\":\"hi\"}", false).response(Buffer.buffer("""
                {"id":"c","object":"chat.completion","created":1,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                   "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""")).body();
        assertValid("Response", r);
        assertThat(r.get("output")).hasSize(1);
        assertThat(r.at("/output/0/type").asText()).isEqualTo("function_call");
        assertThat(r.at("/output/0/call_id").asText()).isEqualTo("call_9");
        assertThat(r.at("/output/0/name").asText()).isEqualTo("get_weather");
        assertThat(r.at("/output/0/arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(r.at("/output/0/id").asText()).startsWith("fc_");

        ObjectNode cut = overOpenAi("{\"model\":\"nexus-smart\",\"input\":\"hi\",\"max_output_tokens\":16}", false)
                .response(Buffer.buffer("""
                {"id":"c","object":"chat.completion","created":1,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Once upon"},"finish_reason":"length"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21}}""")).body();
        assertValid("Response", cut);
        assertThat(cut.get("status").asText()).isEqualTo("incomplete");
        assertThat(cut.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
        assertThat(cut.at("/output/0/status").asText()).isEqualTo("incomplete");
        assertThat(cut.get("max_output_tokens").asInt()).isEqualTo(16);
    }

    @Test
    void aTextStreamBecomesTheTypedEventSequenceCutAnywhere() {
        String body = "{\"model\":\"nexus-smart\",\"input\":\"hi\",\"stream\":true}";
        StreamReplay.Run run = StreamReplay.replay(() -> overOpenAi(body, true),
                Recorded.bytes("openai/chat-stream-include-usage.sse"), STABLE);
        List<ObjectNode> events = run.chunks();
        assertSequence(events);
        assertThat(types(events)).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed");
        String deltas = deltas(events, "response.output_text.delta");
        ObjectNode completed = events.getLast();
        assertThat(events.get(7).get("text").asText()).isEqualTo(deltas);
        assertThat(completed.at("/response/output/0/content/0/text").asText()).isEqualTo(deltas);
        assertThat(completed.at("/response/status").asText()).isEqualTo("completed");
        assertThat(completed.at("/response/usage/input_tokens").asLong()).isEqualTo(run.usage().promptTokens());
        assertThat(completed.at("/response/usage/output_tokens").asLong()).isEqualTo(run.usage().completionTokens());
        assertThat(completed.at("/response/id").asText()).isEqualTo(events.getFirst().at("/response/id").asText());
        assertThat(run.done()).isTrue();
    }

    @Test
    void aToolCallStreamBecomesFunctionCallEvents() {
        String body = "{\"model\":\"nexus-smart\",\"input\":\"weather?\",\"stream\":true,"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}";
        byte[] sse = Recorded.bytes("openai/chat-stream-tool-calls.sse");
        StreamReplay.Run run = StreamReplay.replay(() -> overOpenAi(body, true), sse, STABLE);
        List<ObjectNode> events = run.chunks();
        assertSequence(events);
        Map<Integer, String> chatArguments = StreamReplay.toolArguments(chatChunks(sse));
        List<ObjectNode> added = ofType(events, "response.output_item.added");
        assertThat(added).hasSize(chatArguments.size());
        List<ObjectNode> done = ofType(events, "response.function_call_arguments.done");
        for (int i = 0; i < done.size(); i++) {
            ObjectNode d = done.get(i);
            assertThat(d.get("arguments").asText()).isEqualTo(chatArguments.get(i));
            assertThat(d.get("item_id").asText()).isEqualTo(added.get(i).at("/item/id").asText());
            String deltas = new StringBuilder().append(ofType(events, "response.function_call_arguments.delta").stream()
                    .filter(e -> e.get("item_id").equals(d.get("item_id"))).map(e -> e.get("delta").asText())
                    .reduce("", String::concat)).toString();
            assertThat(deltas).isEqualTo(d.get("arguments").asText());
        }
        ObjectNode completed = events.getLast();
        assertThat(completed.get("type").asText()).isEqualTo("response.completed");
        assertThat(completed.at("/response/output/0/type").asText()).isEqualTo("function_call");
        assertThat(completed.at("/response/output/0/name").asText()).isEqualTo("get_weather");
        assertThat(completed.at("/response/output/0/call_id").asText()).startsWith("call_");
    }

    @Test
    void anAnthropicStreamThroughItsChatTranslatorGivesTheSameShape() throws Exception {
        String body = "{\"model\":\"nexus-smart\",\"input\":\"weather?\",\"stream\":true,"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}";
        StreamReplay.Run run = StreamReplay.replay(() -> overAnthropic(body, true),
                Recorded.bytes("anthropic/messages-tool-use.sse"), STABLE);
        List<ObjectNode> events = run.chunks();
        assertSequence(events);
        assertThat(events.getLast().get("type").asText()).isEqualTo("response.completed");
        assertThat(ofType(events, "response.function_call_arguments.done")).isNotEmpty();
        for (ObjectNode done : ofType(events, "response.function_call_arguments.done")) {
            assertThat(Recorded.MAPPER.readTree(done.get("arguments").asText()).isObject()).isTrue();
        }
        assertThat(events.getLast().at("/response/usage/input_tokens").asLong()).isEqualTo(run.usage().promptTokens());

        StreamReplay.Run text = StreamReplay.replay(() -> overAnthropic("{\"model\":\"nexus-smart\",\"input\":\"hi\"}", true),
                Recorded.bytes("anthropic/messages-max-tokens.sse"), STABLE);
        assertSequence(text.chunks());
        assertThat(text.chunks().getLast().get("type").asText()).isEqualTo("response.incomplete");
        assertThat(text.chunks().getLast().at("/response/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    }

    @Test
    void aStreamThatFailsEndsWithErrorAndResponseFailed() {
        ResponsesOverChatTranslator t = overOpenAi("{\"model\":\"nexus-smart\",\"input\":\"hi\"}", true);
        StreamReplay.Run run = StreamReplay.feed(t, Recorded.bytes("openai/chat-stream-midstream-error.sse"), new int[0], true, STABLE);
        assertThat(run.error()).isNotNull();
        List<ObjectNode> events = new ArrayList<>(run.chunks());
        for (OpenAiJson e : t.streamFailed(run.error())) {
            events.add(e.tree(Recorded.MAPPER));
        }
        assertSequence(events);
        ObjectNode error = events.get(events.size() - 2);
        ObjectNode failed = events.getLast();
        assertThat(error.get("type").asText()).isEqualTo("error");
        assertThat(error.get("code").asText()).isEqualTo("upstream_stream_error");
        assertThat(failed.get("type").asText()).isEqualTo("response.failed");
        assertThat(failed.at("/response/status").asText()).isEqualTo("failed");
        assertThat(failed.at("/response/error/code").asText()).isEqualTo("server_error");
        assertThat(failed.at("/response/output/0/content/0/text").asText()).isEqualTo(deltas(events, "response.output_text.delta"));
    }

    /** Sequence numbers 0, 1, 2, ...; every event valid against OpenAI's ResponseStreamEvent. */
    private static void assertSequence(List<ObjectNode> events) {
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).get("sequence_number").asInt()).as("event %d", i).isEqualTo(i);
            assertValid("ResponseStreamEvent", events.get(i));
        }
    }

    static void assertValid(String schema, JsonNode json) {
        assertThat(OpenAiSchemas.validate(schema, json)).as("%s: %s", schema, json).isEmpty();
    }

    private static List<String> types(List<ObjectNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    private static List<ObjectNode> ofType(List<ObjectNode> events, String type) {
        return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
    }

    private static String deltas(List<ObjectNode> events, String type) {
        return ofType(events, type).stream().map(e -> e.get("delta").asText()).reduce("", String::concat);
    }

    private static List<ObjectNode> chatChunks(byte[] sse) {
        Supplier<Translator> chat = () -> new OpenAiPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS, Endpoint.CHAT);
        return StreamReplay.feed(chat.get(), sse, new int[0], true).chunks();
    }
}
