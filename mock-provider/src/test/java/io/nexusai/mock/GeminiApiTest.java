package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GeminiApiTest extends MockServerTestBase {
    static final String MODEL = "gemini-2.5-flash";
    static final String GENERATE = "/v1beta/models/" + MODEL + ":generateContent";
    static final String STREAM = "/v1beta/models/" + MODEL + ":streamGenerateContent?alt=sse";
    static final String HELLO = "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hello, Gemini 👋\"}]}]";

    static HttpResponse<String> gemini(String path, String body, String... headers) {
        return post(path, body, withHeaders(headers, "x-goog-api-key", KEY));
    }

    @BeforeEach
    void clearRules() {
        delete("/_mock/faults");
    }

    @Test
    void answersWithDocumentedTokenCounts() {
        String body = """
                {"systemInstruction":{"parts":[{"text":"You are terse."}]},
                 "contents":[{"role":"user","parts":[{"text":"First question"}]},
                             {"role":"model","parts":[{"text":"First answer"}]},
                             {"role":"user","parts":[{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
                                                     {"text":"What is "},{"text":"this?"}]}]}""";
        HttpResponse<String> r = gemini(GENERATE, body);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode out = json(r.body());
        String text = MockProviderServer.REPLY_PREFIX + MODEL + ": What is this?";
        assertThat(out.at("/candidates/0/content")).isEqualTo(json("{\"parts\":[{\"text\":" + mapper.valueToTree(text) + "}],\"role\":\"model\"}"));
        assertThat(out.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(out.at("/candidates/0/index").asInt()).isZero();
        int prompt = TokenCounter.count("You are terse.") + TokenCounter.count("First question")
                + TokenCounter.count("First answer") + TokenCounter.count("What is this?");
        assertThat(out.at("/usageMetadata/promptTokenCount").asInt()).isEqualTo(prompt);
        assertThat(out.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(TokenCounter.count(text));
        assertThat(out.at("/usageMetadata/totalTokenCount").asInt()).isEqualTo(prompt + TokenCounter.count(text));
        assertThat(out.path("modelVersion").asText()).isEqualTo(MODEL);
        assertThat(out.path("responseId").asText()).isNotEmpty();
    }

    @Test
    void cutsAtMaxOutputTokensAndStopSequencesAndAnswersEachCandidate() {
        JsonNode cut = json(gemini(GENERATE, "{" + HELLO + ",\"generationConfig\":{\"maxOutputTokens\":3,\"candidateCount\":2}}").body());
        assertThat(cut.path("candidates")).hasSize(2);
        assertThat(cut.at("/candidates/1/index").asInt()).isEqualTo(1);
        assertThat(cut.at("/candidates/0/finishReason").asText()).isEqualTo("MAX_TOKENS");
        assertThat(cut.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(6);

        JsonNode stopped = json(gemini(GENERATE, "{" + HELLO + ",\"generationConfig\":{\"stopSequences\":[\"Gemini\"]}}").body());
        assertThat(stopped.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(stopped.at("/candidates/0/content/parts/0/text").asText()).isEqualTo("Mock reply from " + MODEL + ": Hello, ");
    }

    @Test
    void streamsOneResponsePerTokenWithUsageOnTheLast() {
        JsonNode plain = json(gemini(GENERATE, "{" + HELLO + "}").body());
        HttpResponse<String> r = gemini(STREAM, "{" + HELLO + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
        List<SseEvent> events = sse(r.body());
        StringBuilder text = new StringBuilder();
        for (SseEvent event : events) {
            assertThat(event.event()).isNull();
            text.append(event.json().at("/candidates/0/content/parts/0/text").asText());
            assertThat(event.json().at("/usageMetadata/promptTokenCount").asInt()).isEqualTo(plain.at("/usageMetadata/promptTokenCount").asInt());
        }
        assertThat(text.toString()).isEqualTo(plain.at("/candidates/0/content/parts/0/text").asText());
        assertThat(events).hasSize(TokenCounter.pieces(text.toString()).size());
        assertThat(events.subList(0, events.size() - 1)).allMatch(e -> !e.json().at("/candidates/0").has("finishReason"));
        JsonNode last = events.getLast().json();
        assertThat(last.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(last.path("usageMetadata")).isEqualTo(plain.path("usageMetadata"));

        HttpResponse<String> array = gemini("/v1beta/models/" + MODEL + ":streamGenerateContent", "{" + HELLO + "}");
        assertThat(json(array.body()).isArray()).isTrue();
        assertThat(json(array.body())).hasSize(events.size());
    }

    static final String TOOLS = """
            "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object",
              "properties":{"city":{"type":"string"},"days":{"type":"number"},"metric":{"type":"boolean"}},
              "required":["city","days","metric"]}},
              {"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}]}]""";

    @Test
    void functionCallAndFunctionResponseRoundTrip() {
        String ask = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Oslo?\"}]}]," + TOOLS + "}";
        JsonNode first = json(gemini(GENERATE, ask).body());
        JsonNode call = first.at("/candidates/0/content/parts/0/functionCall");
        assertThat(call.path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("args")).isEqualTo(json("{\"city\":\"Weather in Oslo?\",\"days\":42,\"metric\":true}"));
        assertThat(first.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(first.at("/usageMetadata/candidatesTokenCount").asInt())
                .isEqualTo(TokenCounter.count("get_weather" + call.path("args")));

        String conversation = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Oslo?\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"functionCall\":" + call + "}]},"
                + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"content\":\"cloudy, 8C\"}}},"
                + "{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"temp\":8}}}]}]," + TOOLS + "}";
        JsonNode second = json(gemini(GENERATE, conversation).body());
        assertThat(second.at("/candidates/0/content/parts/0/text").asText()).isEqualTo("Tool result: cloudy, 8C\n{\"temp\":8}");
        assertThat(second.at("/usageMetadata/promptTokenCount").asInt())
                .isEqualTo(TokenCounter.count("Weather in Oslo?") + TokenCounter.count("cloudy, 8C{\"temp\":8}"));

        String user = "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"cats\"}]}],";
        JsonNode named = json(gemini(GENERATE, "{" + user + TOOLS
                + ",\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"lookup\"]}}}").body());
        assertThat(named.at("/candidates/0/content/parts/0/functionCall")).isEqualTo(json("{\"name\":\"lookup\",\"args\":{\"q\":\"cats\"}}"));
        JsonNode none = json(gemini(GENERATE, "{" + user + TOOLS + ",\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"NONE\"}}}").body());
        assertThat(none.at("/candidates/0/content/parts/0/text").isTextual()).isTrue();

        List<SseEvent> streamed = sse(gemini(STREAM, ask).body());
        assertThat(streamed).hasSize(1);
        assertThat(streamed.getFirst().json().at("/candidates/0/content/parts/0/functionCall")).isEqualTo(call);
    }

    @Test
    void gemini3RefusesFunctionCallsThatLostTheirThoughtSignature() {
        String path = "/v1beta/models/gemini-3-flash:generateContent";
        String ask = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Oslo?\"}]}]," + TOOLS + "}";
        JsonNode part = json(gemini(path, ask).body()).at("/candidates/0/content/parts/0");
        String signature = part.path("thoughtSignature").asText();
        assertThat(signature).isNotEmpty();
        String history = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Oslo?\"}]},"
                + "{\"role\":\"model\",\"parts\":[%s]},"
                + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"content\":\"cloudy\"}}}]}],"
                + TOOLS + "}";
        String call = "{\"functionCall\":" + part.get("functionCall") + ",\"thoughtSignature\":\"%s\"}";
        assertThat(gemini(path, history.formatted(call.formatted(signature))).statusCode()).isEqualTo(200);
        assertThat(gemini(path, history.formatted(call.formatted("skip_thought_signature_validator"))).statusCode()).isEqualTo(200);
        HttpResponse<String> unsigned = gemini(path, history.formatted("{\"functionCall\":" + part.get("functionCall") + "}"));
        assertThat(unsigned.statusCode()).isEqualTo(400);
        assertThat(json(unsigned.body()).at("/error/message").asText()).contains("missing a `thought_signature`");
        assertThat(gemini(path, history.formatted(call.formatted("not base64!"))).statusCode()).isEqualTo(400);
        assertThat(gemini(GENERATE, history.formatted("{\"functionCall\":" + part.get("functionCall") + "}")).statusCode()).isEqualTo(200);
    }

    @Test
    void errorsUseGooglesEnvelope() {
        HttpResponse<String> noKey = post(GENERATE, "{" + HELLO + "}");
        assertThat(noKey.statusCode()).isEqualTo(403);
        assertThat(json(noKey.body()).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");
        HttpResponse<String> wrongKey = post(GENERATE, "{" + HELLO + "}", "x-goog-api-key", "nope");
        assertThat(wrongKey.statusCode()).isEqualTo(400);
        assertThat(json(wrongKey.body()).at("/error/code").asInt()).isEqualTo(400);
        assertThat(json(wrongKey.body()).at("/error/details/0/reason").asText()).isEqualTo("API_KEY_INVALID");
        assertThat(post(GENERATE + "?key=" + KEY, "{" + HELLO + "}").statusCode()).isEqualTo(200);

        assertInvalid("{\"contents\":[]}", "contents is not specified");
        assertInvalid("{\"model\":\"x\"," + HELLO + "}", "Unknown name \"model\"");
        assertInvalid("{\"contents\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"x\"}]}]}", "valid role");
        assertInvalid("{\"contents\":[{\"role\":\"user\",\"parts\":[]}]}", "must not be empty");
        assertInvalid("{" + HELLO + ",\"generationConfig\":{\"temperature\":2.5}}", "temperature");
        assertInvalid("{" + HELLO + ",\"generationConfig\":{\"responseMimeType\":\"application/json\",\"responseSchema\":"
                + "{\"type\":\"object\",\"additionalProperties\":false}}}", "Unknown name \"additionalProperties\"");

        HttpResponse<String> fault = gemini(GENERATE, "{" + HELLO + "}", "x-mock-fault", "status=503");
        assertThat(fault.statusCode()).isEqualTo(503);
        assertThat(json(fault.body())).isEqualTo(json(
                "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}"));
    }

    @Test
    void perModelFaultRulesApplyToTheModelInThePath() {
        post("/_mock/faults", "{\"model\":\"" + MODEL + "\",\"status\":429,\"retry_after\":7,\"count\":1}");
        HttpResponse<String> limited = gemini(GENERATE, "{" + HELLO + "}");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("7");
        assertThat(json(limited.body()).at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(json(limited.body()).at("/error/details/0/retryDelay").asText()).isEqualTo("7s");
        assertThat(gemini(GENERATE, "{" + HELLO + "}").statusCode()).isEqualTo(200);
    }

    private static void assertInvalid(String body, String messagePart) {
        HttpResponse<String> r = gemini(GENERATE, body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode error = json(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(400);
        assertThat(error.path("status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(error.path("message").asText()).contains(messagePart);
    }

    @Test
    void jsonModeAnswersAValueOfTheResponseSchema() {
        JsonNode out = json(gemini(GENERATE, "{" + HELLO + ",\"generationConfig\":{\"responseMimeType\":\"application/json\","
                + "\"responseSchema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                + "\"temperature\":{\"type\":\"integer\"}},\"required\":[\"city\"]}}}").body());
        JsonNode answer = json(out.at("/candidates/0/content/parts/0/text").asText());
        assertThat(answer.get("city").asText()).isEqualTo(MockProviderServer.REPLY_PREFIX + MODEL + ": Hello, Gemini 👋");
        assertThat(answer.get("temperature").asInt()).isEqualTo(Replies.NUMBER_ARGUMENT);

        JsonNode plain = json(gemini(GENERATE, "{" + HELLO + ",\"generationConfig\":{\"responseMimeType\":\"application/json\"}}").body());
        assertThat(json(plain.at("/candidates/0/content/parts/0/text").asText()).get("reply").asText())
                .isEqualTo(MockProviderServer.REPLY_PREFIX + MODEL + ": Hello, Gemini 👋");
    }
}
