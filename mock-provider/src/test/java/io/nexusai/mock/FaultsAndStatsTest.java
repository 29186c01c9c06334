package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultsAndStatsTest extends MockServerTestBase {

    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":[{\"role\":\"user\",\"content\":\"one two three four five\"}]}";
    }

    @BeforeEach
    void clearRules() {
        delete("/_mock/faults");
    }

    @Test
    void headerStatusUsesTheCalledApisFormat() {
        HttpResponse<String> openAi = openAi("/v1/chat/completions", chat("m", ""), "x-mock-fault", "status=500");
        assertThat(openAi.statusCode()).isEqualTo(500);
        assertThat(json(openAi.body()).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(json(openAi.body()).path("error").has("param")).isTrue();

        HttpResponse<String> anthropic = anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO),
                "x-mock-fault", "status=529");
        assertThat(anthropic.statusCode()).isEqualTo(529);
        assertThat(json(anthropic.body())).isEqualTo(json(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        HttpResponse<String> anthropic500 = anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO),
                "x-mock-fault", "status=500");
        assertThat(json(anthropic500.body()).at("/error/type").asText()).isEqualTo("api_error");

        HttpResponse<String> azure = azure(AzureApiTest.CHAT, "{" + AzureApiTest.MESSAGES + "}",
                "x-mock-fault", "status=429; retry-after=7");
        assertThat(azure.statusCode()).isEqualTo(429);
        assertThat(azure.headers().firstValue("Retry-After")).contains("7");
        assertThat(json(azure.body()).at("/error/code").asText()).isEqualTo("429");
        assertThat(json(azure.body()).at("/error/message").asText()).contains("retry after 7 seconds");
    }

    @Test
    void rateLimitWithRetryAfter() {
        HttpResponse<String> r = openAi("/v1/chat/completions", chat("m", ""), "x-mock-fault", "status=429;retry-after=2");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).contains("2");
        JsonNode error = json(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("type").asText()).isEqualTo("requests");

        HttpResponse<String> anthropic = anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO),
                "x-mock-fault", "status=429,retry-after=3");
        assertThat(anthropic.headers().firstValue("retry-after")).contains("3");
        assertThat(json(anthropic.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void malformedFaultHeaderIsA400() {
        HttpResponse<String> r = openAi("/v1/chat/completions", chat("m", ""), "x-mock-fault", "explode=1");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r.body()).at("/error/message").asText()).contains("explode");
        assertThat(openAi("/v1/chat/completions", chat("m", ""), "x-mock-fault", "status=200").statusCode()).isEqualTo(400);
    }

    @Test
    void delayPostponesTheAnswer() {
        long start = System.nanoTime();
        HttpResponse<String> r = openAi("/v1/chat/completions", chat("m", ""), "x-mock-fault", "delay-ms=300");
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
    }

    @Test
    void hangNeverAnswers() {
        HttpRequest request = request("/v1/chat/completions", "Authorization", "Bearer " + KEY, "x-mock-fault", "hang")
                .timeout(Duration.ofMillis(500))
                .POST(HttpRequest.BodyPublishers.ofString(chat("m", ""))).build();
        assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(openAi("/v1/chat/completions", chat("m", "")).statusCode()).isEqualTo(200);
    }

    @Test
    void dropAfterCutsTheStreamAbruptly() throws Exception {
        StreamRead read = readStream(postRequest("/v1/chat/completions", chat("m", "\"stream\":true,"),
                "Authorization", "Bearer " + KEY, "x-mock-fault", "drop-after=3"));
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.failure()).isNotNull();
        List<String> data = read.data();
        assertThat(data).doesNotContain("[DONE]");
        assertThat(data).hasSize(4);
        assertThat(json(data.getFirst()).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        for (String chunk : data.subList(1, 4)) {
            assertThat(json(chunk).at("/choices/0/delta/content").asText()).isNotEmpty();
        }

        StreamRead anthropic = readStream(postRequest("/v1/messages",
                AnthropicApiTest.request("\"stream\":true,", AnthropicApiTest.HELLO),
                "x-api-key", KEY, "anthropic-version", "2023-06-01", "x-mock-fault", "drop-after=2"));
        List<String> events = anthropic.lines().stream().map(TimedLine::line).filter(l -> l.startsWith("event: ")).toList();
        assertThat(anthropic.failure()).isNotNull();
        assertThat(events).as("%s", anthropic).containsExactly("event: message_start", "event: content_block_start", "event: ping",
                "event: content_block_delta", "event: content_block_delta");

        HttpRequest plain = postRequest("/v1/chat/completions", chat("m", ""),
                "Authorization", "Bearer " + KEY, "x-mock-fault", "drop-after=1");
        assertThatThrownBy(() -> http.send(plain, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void perModelRulesWithCount() {
        HttpResponse<String> created = post("/_mock/faults",
                "{\"model\":\"flaky-model\",\"status\":503,\"retry_after\":1,\"count\":2}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode rule = json(created.body());
        assertThat(rule.path("model").asText()).isEqualTo("flaky-model");
        assertThat(rule.path("status").asInt()).isEqualTo(503);
        assertThat(rule.path("count").asInt()).isEqualTo(2);

        assertThat(openAi("/v1/chat/completions", chat("steady-model", "")).statusCode()).isEqualTo(200);
        HttpResponse<String> first = openAi("/v1/chat/completions", chat("flaky-model", ""));
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.headers().firstValue("Retry-After")).contains("1");
        assertThat(get("/_mock/faults").get(0).path("count").asInt()).isEqualTo(1);
        assertThat(openAi("/v1/chat/completions", chat("flaky-model", "")).statusCode()).isEqualTo(503);
        assertThat(get("/_mock/faults")).isEmpty();
        assertThat(openAi("/v1/chat/completions", chat("flaky-model", "")).statusCode()).isEqualTo(200);
    }

    @Test
    void rulesMatchAzureDeploymentsAndAnthropicModelsAndHeadersWin() {
        post("/_mock/faults", "{\"model\":\"my-gpt4o\",\"status\":500}");
        post("/_mock/faults", "{\"model\":\"" + AnthropicApiTest.MODEL + "\",\"status\":529,\"count\":1}");
        HttpResponse<String> azure = azure(AzureApiTest.CHAT, "{" + AzureApiTest.MESSAGES + "}");
        assertThat(azure.statusCode()).isEqualTo(500);
        assertThat(json(azure.body()).at("/error/type").asText()).isEqualTo("server_error");
        HttpResponse<String> overridden = azure(AzureApiTest.CHAT, "{" + AzureApiTest.MESSAGES + "}", "x-mock-fault", "status=502");
        assertThat(overridden.statusCode()).isEqualTo(502);
        HttpResponse<String> anthropic = anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO));
        assertThat(anthropic.statusCode()).isEqualTo(529);
        assertThat(json(anthropic.body()).at("/error/type").asText()).isEqualTo("overloaded_error");
        assertThat(anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO)).statusCode()).isEqualTo(200);
        assertThat(get("/_mock/faults")).hasSize(1);
        delete("/_mock/faults");
        assertThat(azure(AzureApiTest.CHAT, "{" + AzureApiTest.MESSAGES + "}").statusCode()).isEqualTo(200);

        HttpResponse<String> invalid = post("/_mock/faults", "{\"model\":\"x\",\"statu\":500}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(json(invalid.body()).path("error").asText()).contains("statu");
    }

    @Test
    void ruleTokenDelayPacesStreamsOfItsModel() throws Exception {
        post("/_mock/faults", "{\"model\":\"slow-model\",\"token_delay_ms\":60,\"count\":1}");
        long start = System.nanoTime();
        StreamRead read = readStream(postRequest("/v1/chat/completions", chat("slow-model", "\"stream\":true,"),
                "Authorization", "Bearer " + KEY));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long contentChunks = read.data().stream().filter(d -> d.contains("\"content\":\"") && !d.contains("\"content\":\"\"")).count();
        assertThat(contentChunks).isGreaterThan(3);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(contentChunks * 60);
    }

    @Test
    void tokenDelayStreamsIncrementally() throws Exception {
        long start = System.nanoTime();
        StreamRead read = readStream(postRequest("/v1/chat/completions", chat("d", "\"stream\":true,"),
                "Authorization", "Bearer " + KEY, "x-mock-token-delay-ms", "200"));
        long end = System.nanoTime();
        assertThat(read.failure()).isNull();
        List<TimedLine> lines = read.lines();
        TimedLine firstContent = lines.stream().filter(l -> l.line().contains("\"delta\":{\"content\":")).findFirst().orElseThrow();
        TimedLine done = lines.getLast();
        assertThat(done.line()).isEqualTo("data: [DONE]");
        assertThat(firstContent.nanos()).isLessThan(done.nanos());
        long contentChunks = lines.stream().filter(l -> l.line().contains("\"delta\":{\"content\":")).count();
        assertThat((end - start) / 1_000_000).isGreaterThanOrEqualTo(contentChunks * 200);
    }

    @Test
    void statsCountRequestsByModelAndCancelledStreams() throws Exception {
        delete("/_mock/stats");
        openAi("/v1/chat/completions", chat("stats-a", ""));
        openAi("/v1/embeddings", "{\"model\":\"stats-a\",\"input\":\"x\"}");
        anthropic(AnthropicApiTest.request("", AnthropicApiTest.HELLO));
        azure(AzureApiTest.CHAT, "{" + AzureApiTest.MESSAGES + "}");
        JsonNode stats = get("/_mock/stats");
        assertThat(stats.path("requests").asInt()).isEqualTo(4);
        assertThat(stats.path("by_model")).isEqualTo(json(
                "{\"stats-a\":2,\"" + AnthropicApiTest.MODEL + "\":1,\"my-gpt4o\":1}"));
        assertThat(stats.path("open_streams").asInt()).isZero();
        assertThat(stats.path("cancelled_streams").asInt()).isZero();

        openAi("/v1/chat/completions", chat("stats-a", "\"stream\":true,"));
        assertThat(get("/_mock/stats").path("cancelled_streams").asInt()).isZero();

        String longPrompt = "word ".repeat(200);
        String body = "{\"model\":\"cancel-me\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nx-mock-token-delay-ms: 50\r\nContent-Length: " + bytes.length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null && !line.contains("\"delta\":{\"content\":\"Mock")) {
                // skip the status line, headers, chunk sizes and the role chunk
            }
            assertThat(line).isNotNull();
            assertThat(get("/_mock/stats").path("open_streams").asInt()).isEqualTo(1);
        }
        JsonNode after = awaitStats(s -> s.path("cancelled_streams").asInt() == 1 && s.path("open_streams").asInt() == 0);
        assertThat(after.path("cancelled_streams").asInt()).isEqualTo(1);
        assertThat(after.at("/by_model/cancel-me").asInt()).isEqualTo(1);
        assertThat(after.path("content_chunks_sent").asInt()).isGreaterThanOrEqualTo(1);

        delete("/_mock/stats");
        assertThat(get("/_mock/stats")).isEqualTo(json(
                "{\"requests\":0,\"by_model\":{},\"open_streams\":0,\"cancelled_streams\":0,\"content_chunks_sent\":0}"));
    }

    private static JsonNode awaitStats(Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode stats = get("/_mock/stats");
        while (!condition.test(stats) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            stats = get("/_mock/stats");
        }
        return stats;
    }
}
