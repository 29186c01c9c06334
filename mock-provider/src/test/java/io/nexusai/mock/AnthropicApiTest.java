package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AnthropicApiTest extends MockServerTestBase {
    static final String MODEL = "claude-sonnet-4-5";

    static String request(String extra, String messages) {
        return "{\"model\":\"" + MODEL + "\",\"max_tokens\":1024," + extra + "\"messages\":" + messages + "}";
    }

    static final String HELLO = "[{\"role\":\"user\",\"content\":\"Hello, Claude 👋\"}]";

    @Test
    void answersAMessageWithDocumentedTokenCounts() {
        String messages = """
                [{"role":"user","content":[{"type":"text","text":"First question"}]},
                 {"role":"assistant","content":"First answer"},
                 {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                                          {"type":"text","text":"What is "},{"type":"text","text":"this?"}]}]""";
        HttpResponse<String> r = anthropic(request("\"system\":[{\"type\":\"text\",\"text\":\"You are terse.\"}],", messages));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r.body());
        String text = MockProviderServer.REPLY_PREFIX + MODEL + ": What is this?";
        assertThat(body.path("id").asText()).startsWith("msg_");
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("role").asText()).isEqualTo("assistant");
        assertThat(body.path("model").asText()).isEqualTo(MODEL);
        assertThat(body.path("content")).isEqualTo(json("[{\"type\":\"text\",\"text\":" + mapper.valueToTree(text) + "}]"));
        assertThat(body.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(body.has("stop_sequence")).isTrue();
        assertThat(body.get("stop_sequence").isNull()).isTrue();
        int input = TokenCounter.count("You are terse.") + TokenCounter.count("First question")
                + TokenCounter.count("First answer") + TokenCounter.count("What is this?");
        assertThat(body.path("usage")).isEqualTo(json(
                "{\"input_tokens\":" + input + ",\"output_tokens\":" + TokenCounter.count(text) + "}"));
    }

    @Test
    void cutsAtMaxTokensAndStopSequences() {
        JsonNode cut = json(anthropic("{\"model\":\"m\",\"max_tokens\":3,\"messages\":" + HELLO + "}").body());
        assertThat(cut.path("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(cut.at("/usage/output_tokens").asInt()).isEqualTo(3);

        JsonNode stopped = json(anthropic(request("\"stop_sequences\":[\"Claude\"],", HELLO)).body());
        assertThat(stopped.path("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(stopped.path("stop_sequence").asText()).isEqualTo("Claude");
        assertThat(stopped.at("/content/0/text").asText()).isEqualTo("Mock reply from " + MODEL + ": Hello, ");
    }

    @Test
    void streamsAnthropicsEventSequence() {
        JsonNode plain = json(anthropic(request("", HELLO)).body());
        HttpResponse<String> r = anthropic(request("\"stream\":true,", HELLO));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
        for (String block : r.body().split("\n\n")) {
            assertThat(block).matches("event: [a-z_]+\ndata: \\{.*}");
        }
        List<SseEvent> events = sse(r.body());
        List<String> types = events.stream().map(SseEvent::event).toList();
        int deltas = events.size() - 6;
        assertThat(types.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
        assertThat(types.subList(3, 3 + deltas)).allMatch("content_block_delta"::equals);
        assertThat(types.subList(3 + deltas, types.size())).containsExactly("content_block_stop", "message_delta", "message_stop");
        for (SseEvent event : events) {
            assertThat(event.json().path("type").asText()).isEqualTo(event.event());
        }
        JsonNode start = events.get(0).json().path("message");
        assertThat(start.path("id").asText()).startsWith("msg_");
        assertThat(start.path("content").isEmpty()).isTrue();
        assertThat(start.path("model").asText()).isEqualTo(MODEL);
        assertThat(start.get("stop_reason").isNull()).isTrue();
        assertThat(start.get("stop_sequence").isNull()).isTrue();
        assertThat(start.path("usage")).isEqualTo(json(
                "{\"input_tokens\":" + plain.at("/usage/input_tokens").asInt() + ",\"output_tokens\":1}"));
        assertThat(events.get(1).json()).isEqualTo(json(
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        assertThat(events.get(2).json()).isEqualTo(json("{\"type\":\"ping\"}"));
        StringBuilder text = new StringBuilder();
        for (SseEvent event : events.subList(3, 3 + deltas)) {
            JsonNode delta = event.json();
            assertThat(delta.path("index").asInt()).isZero();
            assertThat(delta.at("/delta/type").asText()).isEqualTo("text_delta");
            text.append(delta.at("/delta/text").asText());
        }
        assertThat(text.toString()).isEqualTo(plain.at("/content/0/text").asText());
        assertThat(events.get(3 + deltas).json()).isEqualTo(json("{\"type\":\"content_block_stop\",\"index\":0}"));
        assertThat(events.get(4 + deltas).json()).isEqualTo(json(
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":" + plain.at("/usage/output_tokens").asInt() + "}}"));
        assertThat(events.getLast().json()).isEqualTo(json("{\"type\":\"message_stop\"}"));
    }

    static final String TOOLS = """
            "tools":[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object",
              "properties":{"city":{"type":"string"},"days":{"type":"number"},"metric":{"type":"boolean"}},
              "required":["city","days","metric"]}},
              {"name":"lookup","input_schema":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}],""";

    @Test
    void toolUseAndToolResultRoundTrip() {
        JsonNode first = json(anthropic(request(TOOLS, "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]")).body());
        assertThat(first.path("stop_reason").asText()).isEqualTo("tool_use");
        JsonNode toolUse = first.at("/content/0");
        assertThat(toolUse.path("type").asText()).isEqualTo("tool_use");
        assertThat(toolUse.path("id").asText()).startsWith("toolu_");
        assertThat(toolUse.path("name").asText()).isEqualTo("get_weather");
        assertThat(toolUse.path("input")).isEqualTo(json("{\"city\":\"Weather in Oslo?\",\"days\":42,\"metric\":true}"));
        assertThat(first.at("/usage/output_tokens").asInt())
                .isEqualTo(TokenCounter.count("get_weather" + mapper.valueToTree(toolUse.path("input")).toString()));

        String conversation = "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"},"
                + "{\"role\":\"assistant\",\"content\":[" + toolUse + "]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"" + toolUse.path("id").asText()
                + "\",\"content\":[{\"type\":\"text\",\"text\":\"cloudy, 8C\"}]}]}]";
        JsonNode second = json(anthropic(request(TOOLS, conversation)).body());
        assertThat(second.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(second.at("/content/0/text").asText()).isEqualTo("Tool result: cloudy, 8C");
        int input = TokenCounter.count("Weather in Oslo?") + TokenCounter.count("cloudy, 8C");
        assertThat(second.at("/usage/input_tokens").asInt()).isEqualTo(input);

        JsonNode named = json(anthropic(request(TOOLS + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"lookup\"},",
                "[{\"role\":\"user\",\"content\":\"cats\"}]")).body());
        assertThat(named.at("/content/0/name").asText()).isEqualTo("lookup");
        assertThat(named.at("/content/0/input")).isEqualTo(json("{\"q\":\"cats\"}"));
        JsonNode none = json(anthropic(request(TOOLS + "\"tool_choice\":{\"type\":\"none\"},",
                "[{\"role\":\"user\",\"content\":\"cats\"}]")).body());
        assertThat(none.at("/content/0/type").asText()).isEqualTo("text");
    }

    @Test
    void streamsToolUse() {
        JsonNode plain = json(anthropic(request(TOOLS, "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]")).body());
        List<SseEvent> events = sse(anthropic(request(TOOLS + "\"stream\":true,",
                "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]")).body());
        JsonNode block = events.get(1).json().path("content_block");
        assertThat(block.path("type").asText()).isEqualTo("tool_use");
        assertThat(block.path("id").asText()).startsWith("toolu_");
        assertThat(block.path("name").asText()).isEqualTo("get_weather");
        assertThat(block.path("input")).isEqualTo(json("{}"));
        StringBuilder partial = new StringBuilder();
        for (SseEvent event : events) {
            if ("content_block_delta".equals(event.event())) {
                assertThat(event.json().at("/delta/type").asText()).isEqualTo("input_json_delta");
                partial.append(event.json().at("/delta/partial_json").asText());
            }
        }
        assertThat(json(partial.toString())).isEqualTo(plain.at("/content/0/input"));
        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("tool_use");
        assertThat(messageDelta.at("/usage/output_tokens").asInt()).isEqualTo(plain.at("/usage/output_tokens").asInt());
    }

    @Test
    void errorsUseAnthropicsEnvelope() {
        HttpResponse<String> wrongKey = post("/v1/messages", request("", HELLO),
                "x-api-key", "nope", "anthropic-version", "2023-06-01");
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(json(wrongKey.body())).isEqualTo(json(
                "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"));

        HttpResponse<String> noVersion = post("/v1/messages", request("", HELLO), "x-api-key", KEY);
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(json(noVersion.body()).path("type").asText()).isEqualTo("error");
        assertThat(json(noVersion.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(noVersion.body()).at("/error/message").asText()).contains("anthropic-version");

        assertInvalid("{\"model\":\"m\",\"messages\":" + HELLO + "}", "max_tokens");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":0,\"messages\":" + HELLO + "}", "max_tokens");
        assertInvalid(request("", "[]"), "messages");
        assertInvalid(request("", "[{\"role\":\"assistant\",\"content\":\"hi\"}]"), "first message");
        assertInvalid(request("", "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]"), "alternate");
        assertInvalid(request("\"temperature\":1.5,", HELLO), "temperature");
        assertInvalid(request("", "[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\"}}]}]"),
                "media_type");
        assertThat(anthropic(request("\"temperature\":1,", HELLO)).statusCode()).isEqualTo(200);
        assertThat(anthropic(request("", "[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":"
                + "{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}},{\"type\":\"text\",\"text\":\"hi\"}]}]")).statusCode())
                .isEqualTo(200);
    }

    private static void assertInvalid(String body, String messagePart) {
        HttpResponse<String> r = anthropic(body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode error = json(r.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.at("/error/message").asText()).contains(messagePart);
    }

    @Test
    void cacheControlWritesThePrefixOnceThenReadsIt() {
        String manual = "You know the whole manual " + java.util.UUID.randomUUID() + ".";
        String system = "\"system\":[{\"type\":\"text\",\"text\":\"" + manual + "\",\"cache_control\":{\"type\":\"ephemeral\"}}],";
        String messages = """
                [{"role":"user","content":[{"type":"text","text":"Chapter one, verbatim.","cache_control":{"type":"ephemeral"}}]},
                 {"role":"assistant","content":"Noted."},
                 {"role":"user","content":"Summarise it."}]""";
        JsonNode first = json(anthropic(request(system, messages)).body()).path("usage");
        int prefix = TokenCounter.count(manual) + TokenCounter.count("Chapter one, verbatim.");
        int rest = TokenCounter.count("Noted.") + TokenCounter.count("Summarise it.");
        assertThat(first.path("cache_creation_input_tokens").asInt()).isEqualTo(prefix);
        assertThat(first.path("cache_read_input_tokens").asInt()).isZero();
        assertThat(first.path("input_tokens").asInt()).isEqualTo(rest);

        // the same prefix again, streamed: read from the cache (message_start carries the input counts)
        HttpResponse<String> r = anthropic(request(system + "\"stream\":true,", messages));
        JsonNode start = sse(r.body()).get(0).json().at("/message/usage");
        assertThat(start.path("cache_creation_input_tokens").asInt()).isZero();
        assertThat(start.path("cache_read_input_tokens").asInt()).isEqualTo(prefix);
        assertThat(start.path("input_tokens").asInt()).isEqualTo(rest);

        // without a breakpoint: no cache fields
        JsonNode plain = json(anthropic(request("", "[{\"role\":\"user\",\"content\":\"Hi\"}]")).body()).path("usage");
        assertThat(plain.has("cache_read_input_tokens")).isFalse();
    }
}
