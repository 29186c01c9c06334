package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.TokenUsage;
import org.junit.jupiter.api.Test;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

class ChatToMessagesResponseTest {
    static final ChatToMessagesResponse RESPONSES = new ChatToMessagesResponse(Recorded.MAPPER);

    @Test
    void textAndToolCallsBecomeContentBlocksWithParsedInput() {
        ObjectNode chat = json("""
                {"id":"chatcmpl-abc123","object":"chat.completion","created":1,"model":"nexus-claude",
                 "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Let me check.",
                   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                                 {"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]}}]}""");
        assertThat(Recorded.reparse(RESPONSES.toMessage(chat, new TokenUsage(1200, 40, 1000, 150, 0, false), null))).isEqualTo(json("""
                {"id":"msg_abc123","type":"message","role":"assistant","model":"nexus-claude",
                 "content":[{"type":"text","text":"Let me check."},
                            {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                            {"type":"tool_use","id":"call_2","name":"now","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":50,"cache_creation_input_tokens":150,"cache_read_input_tokens":1000,"output_tokens":40}}"""));
    }

    @Test
    void finishReasonsMapToStopReasons() {
        assertThat(stop("stop", null, null)).isEqualTo("end_turn null");
        assertThat(stop("length", null, null)).isEqualTo("max_tokens null");
        assertThat(stop("content_filter", null, null)).isEqualTo("refusal null");
        assertThat(stop("function_call", null, null)).isEqualTo("tool_use null");
        assertThat(stop(null, null, null)).isEqualTo("end_turn null");
        // a provider that names the matched stop sequence (vLLM's choice.stop_reason)
        assertThat(stop("stop", "\"END\"", "[\"STOP\",\"END\"]")).isEqualTo("stop_sequence END");
        assertThat(stop("stop", "\"OTHER\"", "[\"END\"]")).isEqualTo("end_turn null");
    }

    private static String stop(String finish, String providerStop, String sequences) {
        ObjectNode chat = json("{\"id\":\"chatcmpl-msg_01Q\",\"model\":\"a\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"x\"}}]}");
        ObjectNode choice = (ObjectNode) chat.at("/choices/0");
        if (finish != null) {
            choice.put("finish_reason", finish);
        }
        if (providerStop != null) {
            choice.set("stop_reason", Recorded.MAPPER.valueToTree(providerStop.replace("\"", "")));
        }
        ObjectNode message = RESPONSES.toMessage(chat, TokenUsage.NONE, sequences == null ? null : json("{\"s\":" + sequences + "}").get("s"));
        assertThat(message.path("id").asText()).isEqualTo("msg_01Q");
        return message.path("stop_reason").asText() + " " + message.path("stop_sequence").asText("null");
    }

    @Test
    void anEmptyAnswerHasNoBlocksAndArgumentsThatAreNotAnObjectBecomeEmptyInput() {
        ObjectNode chat = json("""
                {"id":"x","model":"a","choices":[{"index":0,"finish_reason":"tool_calls","message":{"content":null,"refusal":null,
                  "tool_calls":[{"id":"c","function":{"name":"f","arguments":"[1,2"}}]}}]}""");
        ObjectNode message = RESPONSES.toMessage(chat, TokenUsage.NONE, null);
        assertThat(message.get("content")).isEqualTo(json("{\"c\":[{\"type\":\"tool_use\",\"id\":\"c\",\"name\":\"f\",\"input\":{}}]}").get("c"));
        assertThat(message.path("id").asText()).isEqualTo("msg_x");
    }
}
