package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The mock's native Responses API: the chat API's answers and token counts, as a Response or typed events. */
class ResponsesApiTest extends MockServerTestBase {
    static final String TOOL = "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";

    static HttpResponse<String> responses(String body) {
        return openAi("/v1/responses", body);
    }

    @BeforeEach
    void clearRules() {
        delete("/_mock/faults");
    }

    @Test
    void answersLikeTheChatApiWithResponsesUsage() {
        JsonNode r = json(responses("{\"model\":\"gpt-4o\",\"input\":\"Hello 👋\",\"instructions\":\"Be terse.\"}").body());
        String reply = MockProviderServer.REPLY_PREFIX + "gpt-4o: Hello 👋";
        assertThat(r.get("id").asText()).startsWith("resp_");
        assertThat(r.get("object").asText()).isEqualTo("response");
        assertThat(r.get("status").asText()).isEqualTo("completed");
        assertThat(r.at("/output/0/type").asText()).isEqualTo("message");
        assertThat(r.at("/output/0/content/0/text").asText()).isEqualTo(reply);
        JsonNode chat = json(openAi("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\","
                + "\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":\"Hello 👋\"}]}").body());
        assertThat(r.at("/usage/input_tokens").asInt()).isEqualTo(chat.at("/usage/prompt_tokens").asInt());
        assertThat(r.at("/usage/output_tokens").asInt()).isEqualTo(TokenCounter.count(reply));
        assertThat(r.at("/usage/output_tokens_details/reasoning_tokens").asInt()).isZero();
        assertThat(r.get("instructions").asText()).isEqualTo("Be terse.");
    }

    @Test
    void callsToolsAndAnswersTheirOutput() {
        JsonNode call = json(responses("{\"model\":\"gpt-4o\",\"input\":\"Oslo weather\"," + TOOL + "}").body());
        assertThat(call.at("/output/0/type").asText()).isEqualTo("function_call");
        assertThat(call.at("/output/0/name").asText()).isEqualTo("get_weather");
        assertThat(json(call.at("/output/0/arguments").asText()).get("city").asText()).isEqualTo("Oslo weather");
        String callId = call.at("/output/0/call_id").asText();
        JsonNode answer = json(responses("{\"model\":\"gpt-4o\"," + TOOL + ",\"input\":[{\"role\":\"user\",\"content\":\"Oslo weather\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"" + callId + "\",\"name\":\"get_weather\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"" + callId + "\",\"output\":\"sunny\"}]}").body());
        assertThat(answer.at("/output/0/content/0/text").asText()).isEqualTo("Tool result: sunny");

        JsonNode parts = json(responses("{\"model\":\"gpt-4o\",\"input\":[{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"in parts\"}]}]}").body());
        assertThat(parts.at("/output/0/content/0/text").asText()).isEqualTo(MockProviderServer.REPLY_PREFIX + "gpt-4o: in parts");
    }

    @Test
    void streamsTheTypedEventsNumberedAndCutsThemAsFaultsSay() throws Exception {
        HttpResponse<String> r = responses("{\"model\":\"gpt-4o\",\"input\":\"Stream me\",\"stream\":true,\"max_output_tokens\":4}");
        List<SseEvent> events = sse(r.body());
        StringBuilder deltas = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i).json();
            assertThat(e.get("type").asText()).isEqualTo(events.get(i).event());
            assertThat(e.get("sequence_number").asInt()).isEqualTo(i);
            if (events.get(i).event().equals("response.output_text.delta")) {
                deltas.append(e.get("delta").asText());
            }
        }
        assertThat(events.getFirst().event()).isEqualTo("response.created");
        JsonNode last = events.getLast().json();
        assertThat(last.get("type").asText()).isEqualTo("response.incomplete");
        assertThat(last.at("/response/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
        assertThat(last.at("/response/output/0/content/0/text").asText()).isEqualTo(deltas.toString());
        assertThat(last.at("/response/usage/output_tokens").asInt()).isEqualTo(4);

        StreamRead dropped = readStream(postRequest("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"one two three four\","
                + "\"stream\":true}", "Authorization", "Bearer " + KEY, "x-mock-fault", "drop-after=2"));
        assertThat(dropped.failure()).isNotNull();
        assertThat(dropped.data().stream().filter(d -> d.contains("\"response.output_text.delta\"")).count()).isEqualTo(2);
        assertThat(dropped.data()).noneMatch(d -> d.contains("response.completed"));
    }

    @Test
    void refusesARequestWithoutInput() {
        HttpResponse<String> r = responses("{\"model\":\"gpt-4o\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).at("/error/param").asText()).isEqualTo("input");
    }
}
