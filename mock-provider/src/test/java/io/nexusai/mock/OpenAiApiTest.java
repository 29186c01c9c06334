package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OpenAiApiTest extends MockServerTestBase {
    static final String MULTI_BYTE = "Grüße aus Köln 👋🏽 — 日本語のテキスト, emoji 🧑‍🚀🦄 ✓";

    static String chat(String model, String userText, String extra) {
        return """
                {"model":"%s",%s"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":%s}]}"""
                .formatted(model, extra, mapper.valueToTree(userText).toString());
    }

    @Test
    void streamedContentAndUsageEqualTheNonStreamedAnswer() {
        JsonNode plain = json(openAi("/v1/chat/completions", chat("gpt-4o", MULTI_BYTE, "")).body());
        HttpResponse<String> r = openAi("/v1/chat/completions",
                chat("gpt-4o", MULTI_BYTE, "\"stream\":true,\"stream_options\":{\"include_usage\":true},"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        for (String block : r.body().split("\n\n")) {
            assertThat(block).startsWith("data: ").doesNotContain("\n");
        }
        List<SseEvent> events = sse(r.body());
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        String id = chunks.getFirst().path("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        for (JsonNode chunk : chunks) {
            assertThat(chunk.path("id").asText()).isEqualTo(id);
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("model").asText()).isEqualTo("gpt-4o");
            assertThat(chunk.path("system_fingerprint").asText()).isEqualTo("fp_nexus_mock");
            assertThat(chunk.path("created").isIntegralNumber()).isTrue();
        }
        JsonNode first = chunks.getFirst().at("/choices/0");
        assertThat(first.path("index").asInt()).isZero();
        assertThat(first.path("delta")).isEqualTo(json("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"));
        assertThat(first.path("logprobs").isNull()).isTrue();
        assertThat(first.path("finish_reason").isNull()).isTrue();

        StringBuilder content = new StringBuilder();
        List<JsonNode> contentChunks = chunks.subList(1, chunks.size() - 2);
        for (JsonNode chunk : contentChunks) {
            JsonNode delta = chunk.at("/choices/0/delta");
            assertThat(delta.size()).isEqualTo(1);
            assertThat(delta.path("content").asText()).isNotEmpty().doesNotContain("\uFFFD");
            content.append(delta.path("content").asText());
        }
        String expected = plain.at("/choices/0/message/content").asText();
        assertThat(content.toString()).isEqualTo(expected).isEqualTo(MockProviderServer.REPLY_PREFIX + "gpt-4o: " + MULTI_BYTE);
        assertThat(contentChunks.size()).isLessThanOrEqualTo(TokenCounter.count(expected)).isGreaterThan(10);

        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices").isEmpty()).isTrue();
        assertThat(usageChunk.path("usage")).isEqualTo(plain.path("usage"));
        assertThat(plain.at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(expected));
    }

    @Test
    void usageKeyOnlyWhenIncludeUsageIsOn() {
        String with = openAi("/v1/chat/completions",
                chat("m", "hello", "\"stream\":true,\"stream_options\":{\"include_usage\":true},")).body();
        List<SseEvent> events = sse(with);
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            assertThat(chunk.has("usage")).isTrue();
            assertThat(chunk.get("usage").isNull()).isTrue();
        }
        assertThat(chunks.getLast().path("usage").path("total_tokens").asInt()).isPositive();

        String without = openAi("/v1/chat/completions", chat("m", "hello", "\"stream\":true,")).body();
        assertThat(without).doesNotContain("\"usage\"");
        List<SseEvent> plainEvents = sse(without);
        assertThat(plainEvents.getLast().data()).isEqualTo("[DONE]");
        assertThat(plainEvents.get(plainEvents.size() - 2).json().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        String noOptions = openAi("/v1/chat/completions",
                chat("m", "hello", "\"stream\":true,\"stream_options\":{\"include_usage\":false},")).body();
        assertThat(noOptions).doesNotContain("\"usage\"");
    }

    @Test
    void streamCutByMaxTokensMatchesNonStream() {
        String extra = "\"max_completion_tokens\":5,";
        JsonNode plain = json(openAi("/v1/chat/completions", chat("m", MULTI_BYTE, extra)).body());
        List<SseEvent> events = sse(openAi("/v1/chat/completions", chat("m", MULTI_BYTE, extra + "\"stream\":true,")).body());
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (SseEvent event : events.subList(0, events.size() - 1)) {
            content.append(event.json().at("/choices/0/delta/content").asText(""));
            if (event.json().at("/choices/0/finish_reason").isTextual()) {
                finish = event.json().at("/choices/0/finish_reason").asText();
            }
        }
        assertThat(plain.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(finish).isEqualTo("length");
        assertThat(content.toString()).isEqualTo(plain.at("/choices/0/message/content").asText());
        assertThat(plain.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void largeStreamSurvivesBackPressureFromASlowReader() throws Exception {
        String prompt = "word ".repeat(30_000).trim();
        HttpResponse<InputStream> r = http.send(postRequest("/v1/chat/completions",
                chat("big", prompt, "\"stream\":true,"), "Authorization", "Bearer " + KEY),
                HttpResponse.BodyHandlers.ofInputStream());
        Thread.sleep(500);
        String body;
        try (InputStream in = r.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<SseEvent> events = sse(body);
        StringBuilder content = new StringBuilder();
        for (SseEvent event : events.subList(0, events.size() - 1)) {
            content.append(event.json().at("/choices/0/delta/content").asText(""));
        }
        assertThat(content.toString()).isEqualTo(MockProviderServer.REPLY_PREFIX + "big: " + prompt);
    }

    @Test
    void legacyCompletions() {
        HttpResponse<String> r = openAi("/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this is a test\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r.body());
        String text = "Mock completion from gpt-3.5-turbo-instruct: Say this is a test";
        assertThat(body.path("id").asText()).startsWith("cmpl-");
        assertThat(body.path("object").asText()).isEqualTo("text_completion");
        assertThat(body.path("model").asText()).isEqualTo("gpt-3.5-turbo-instruct");
        assertThat(body.at("/choices/0")).isEqualTo(json(
                "{\"text\":" + mapper.valueToTree(text) + ",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}"));
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(TokenCounter.count("Say this is a test"));
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(text));
        assertThat(body.at("/usage/total_tokens").asInt())
                .isEqualTo(TokenCounter.count("Say this is a test") + TokenCounter.count(text));

        JsonNode cut = json(openAi("/v1/completions", "{\"model\":\"m\",\"prompt\":[\"first\",\"second\"],\"max_tokens\":3}").body());
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(cut.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(cut.at("/usage/prompt_tokens").asInt()).isEqualTo(TokenCounter.count("first") + TokenCounter.count("second"));
    }

    @Test
    void legacyCompletionsStream() {
        String request = "{\"model\":\"m\",\"prompt\":\"" + "stream me" + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        JsonNode plain = json(openAi("/v1/completions", "{\"model\":\"m\",\"prompt\":\"stream me\"}").body());
        HttpResponse<String> r = openAi("/v1/completions", request);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<SseEvent> events = sse(r.body());
        StringBuilder text = new StringBuilder();
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            assertThat(chunk.path("object").asText()).isEqualTo("text_completion");
            assertThat(chunk.has("usage")).isTrue();
            assertThat(chunk.at("/choices/0/logprobs").isNull()).isTrue();
            text.append(chunk.at("/choices/0/text").asText());
        }
        assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(text.toString()).isEqualTo(plain.at("/choices/0/text").asText());
        assertThat(chunks.getLast().path("usage")).isEqualTo(plain.path("usage"));
        assertThat(chunks.getLast().path("choices").isEmpty()).isTrue();

        String without = openAi("/v1/completions", "{\"model\":\"m\",\"prompt\":\"stream me\",\"stream\":true}").body();
        assertThat(without).doesNotContain("\"usage\"");
    }

    @Test
    void embeddingsFloatAndBase64() {
        JsonNode floats = json(openAi("/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"hello world\",\"Grüße 👋\"]}").body());
        assertThat(floats.path("object").asText()).isEqualTo("list");
        assertThat(floats.path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(floats.path("data")).hasSize(2);
        assertThat(floats.at("/data/1/object").asText()).isEqualTo("embedding");
        assertThat(floats.at("/data/1/index").asInt()).isEqualTo(1);
        int tokens = TokenCounter.count("hello world") + TokenCounter.count("Grüße 👋");
        assertThat(floats.path("usage")).isEqualTo(json("{\"prompt_tokens\":" + tokens + ",\"total_tokens\":" + tokens + "}"));
        JsonNode vector = floats.at("/data/0/embedding");
        assertThat(vector).hasSize(16);
        double norm = 0;
        for (JsonNode v : vector) {
            norm += v.asDouble() * v.asDouble();
        }
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
        assertThat(floats.at("/data/1/embedding")).isNotEqualTo(vector);

        JsonNode again = json(openAi("/v1/embeddings", "{\"model\":\"x\",\"input\":\"hello world\"}").body());
        assertThat(again.at("/data/0/embedding")).isEqualTo(vector);

        JsonNode base64 = json(openAi("/v1/embeddings",
                "{\"model\":\"x\",\"input\":\"hello world\",\"encoding_format\":\"base64\"}").body());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(16 * 4);
        for (JsonNode v : vector) {
            assertThat(bytes.getFloat()).isEqualTo(v.floatValue());
        }

        JsonNode dims = json(openAi("/v1/embeddings", "{\"model\":\"x\",\"input\":\"hello\",\"dimensions\":64}").body());
        assertThat(dims.at("/data/0/embedding")).hasSize(64);
    }

    @Test
    void embeddingsOfTokenArrays() {
        JsonNode one = json(openAi("/v1/embeddings", "{\"model\":\"x\",\"input\":[1,2,3,4]}").body());
        assertThat(one.path("data")).hasSize(1);
        assertThat(one.at("/usage/prompt_tokens").asInt()).isEqualTo(4);
        JsonNode many = json(openAi("/v1/embeddings", "{\"model\":\"x\",\"input\":[[1,2],[3,4,5]]}").body());
        assertThat(many.path("data")).hasSize(2);
        assertThat(many.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
        HttpResponse<String> bad = openAi("/v1/embeddings", "{\"model\":\"x\",\"input\":[]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/param").asText()).isEqualTo("input");
    }

    static final String WEATHER_TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},
              "metric":{"type":"boolean"},"extra":{"type":"object"},"note":{"type":"string"}},
              "required":["city","days","metric","extra"]}}},
              {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
              "properties":{"zone":{"type":"string"}},"required":["zone"]}}}]""";

    @Test
    void toolCallRoundTrip() {
        String first = "{\"model\":\"gpt-4o\",\"parallel_tool_calls\":false," + WEATHER_TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}";
        JsonNode call = json(openAi("/v1/chat/completions", first).body());
        JsonNode choice = call.at("/choices/0");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode message = choice.path("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.has("content")).isTrue();
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode toolCall = message.at("/tool_calls/0");
        assertThat(toolCall.path("id").asText()).startsWith("call_");
        assertThat(toolCall.path("type").asText()).isEqualTo("function");
        assertThat(toolCall.at("/function/name").asText()).isEqualTo("get_weather");
        String arguments = toolCall.at("/function/arguments").asText();
        assertThat(json(arguments)).isEqualTo(json(
                "{\"city\":\"Weather in Paris?\",\"days\":42,\"metric\":true,\"extra\":{}}"));
        assertThat(call.at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count("get_weather" + arguments));

        String second = "{\"model\":\"gpt-4o\"," + WEATHER_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + toolCall + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + toolCall.path("id").asText() + "\",\"content\":\"sunny, 21C\"}]}";
        JsonNode answer = json(openAi("/v1/chat/completions", second).body());
        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Tool result: sunny, 21C");
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.at("/choices/0/message/tool_calls").isMissingNode()).isTrue();
    }

    @Test
    void toolChoiceNamesTheToolOrTurnsToolsOff() {
        String named = "{\"model\":\"m\"," + WEATHER_TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"UTC\"}]}";
        JsonNode call = json(openAi("/v1/chat/completions", named).body());
        assertThat(call.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_time");
        assertThat(json(call.at("/choices/0/message/tool_calls/0/function/arguments").asText()))
                .isEqualTo(json("{\"zone\":\"UTC\"}"));

        String none = "{\"model\":\"m\"," + WEATHER_TOOLS + ",\"tool_choice\":\"none\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"UTC\"}]}";
        assertThat(json(openAi("/v1/chat/completions", none).body()).at("/choices/0/message/content").asText())
                .isEqualTo("Mock reply from m: UTC");

        String unknown = named.replace("\"get_time\"}}", "\"nope\"}}");
        HttpResponse<String> r = openAi("/v1/chat/completions", unknown);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).at("/error/param").asText()).isEqualTo("tool_choice");
    }

    @Test
    void streamedToolCall() {
        String request = "{\"model\":\"gpt-4o\",\"stream\":true,\"parallel_tool_calls\":false," + WEATHER_TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}";
        String plainArguments = json(openAi("/v1/chat/completions", request.replace("\"stream\":true,", "")).body())
                .at("/choices/0/message/tool_calls/0/function/arguments").asText();
        List<SseEvent> events = sse(openAi("/v1/chat/completions", request).body());
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        JsonNode first = chunks.getFirst().at("/choices/0/delta");
        assertThat(first.path("role").asText()).isEqualTo("assistant");
        JsonNode header = first.at("/tool_calls/0");
        assertThat(header.path("index").asInt()).isZero();
        assertThat(header.path("id").asText()).startsWith("call_");
        assertThat(header.path("type").asText()).isEqualTo("function");
        assertThat(header.path("function")).isEqualTo(json("{\"name\":\"get_weather\",\"arguments\":\"\"}"));
        StringBuilder arguments = new StringBuilder();
        for (JsonNode chunk : chunks.subList(1, chunks.size() - 1)) {
            JsonNode piece = chunk.at("/choices/0/delta/tool_calls/0");
            assertThat(piece.path("index").asInt()).isZero();
            assertThat(piece.has("id")).isFalse();
            arguments.append(piece.at("/function/arguments").asText());
        }
        assertThat(chunks.size()).isGreaterThan(3);
        assertThat(json(arguments.toString())).isEqualTo(json(plainArguments));
        assertThat(chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(chunks.getLast().at("/choices/0/delta").isEmpty()).isTrue();
    }

    @Test
    void validationErrorsUseTheOpenAiEnvelope() {
        HttpResponse<String> r = openAi("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body())).isEqualTo(json("""
                {"error":{"message":"you must provide a model parameter","type":"invalid_request_error","param":"model","code":null}}"""));
        HttpResponse<String> unknown = openAi("/v1/nothing-here", "{}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> noKey = post("/v1/embeddings", "{\"model\":\"x\",\"input\":\"a\"}");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(json(noKey.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void journalRecordsQueryString() {
        delete("/_mock/requests");
        openAi("/v1/chat/completions?trace=abc", chat("journal-model", "hi", ""));
        JsonNode entry = get("/_mock/requests").get(0);
        assertThat(entry.path("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(entry.path("query").asText()).isEqualTo("trace=abc");
        assertThat(entry.at("/body/model").asText()).isEqualTo("journal-model");
        assertThat(entry.at("/headers/authorization").asText()).isEqualTo("Bearer " + KEY);
    }

    @Test
    void aPromptCacheKeyReportsThePrefixAsCachedAndReasoningEffortSpendsReasoningTokens() {
        JsonNode plain = json(openAi("/v1/chat/completions", chat("o3-mini", "What is 2 + 2?", "")).body());
        assertThat(plain.path("usage").has("prompt_tokens_details")).isFalse();
        assertThat(plain.path("usage").has("completion_tokens_details")).isFalse();

        String extra = "\"prompt_cache_key\":\"k1\",\"reasoning_effort\":\"medium\",";
        JsonNode cached = json(openAi("/v1/chat/completions", chat("o3-mini", "What is 2 + 2?", extra)).body());
        JsonNode usage = cached.path("usage");
        int systemOnly = TokenCounter.countMessages(json("[{\"role\":\"system\",\"content\":\"Be brief.\"}]"));
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(plain.at("/usage/prompt_tokens").asInt());
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(systemOnly).isPositive();
        assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(4 * OpenAiApi.REASONING_PER_EFFORT_UNIT);
        assertThat(usage.path("completion_tokens").asInt())
                .isEqualTo(plain.at("/usage/completion_tokens").asInt() + 4 * OpenAiApi.REASONING_PER_EFFORT_UNIT);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());

        // the stream's usage chunk says the same
        HttpResponse<String> r = openAi("/v1/chat/completions", chat("o3-mini", "What is 2 + 2?",
                extra + "\"stream\":true,\"stream_options\":{\"include_usage\":true},"));
        List<SseEvent> events = sse(r.body());
        assertThat(events.get(events.size() - 2).json().path("usage")).isEqualTo(usage);

        assertThat(openAi("/v1/chat/completions", chat("o3-mini", "x", "\"reasoning_effort\":\"extreme\",")).statusCode()).isEqualTo(400);
    }
}
