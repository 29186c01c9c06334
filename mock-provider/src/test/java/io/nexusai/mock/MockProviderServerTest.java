package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class MockProviderServerTest {
    static Vertx vertx;
    static MockProviderServer server;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = new MockProviderServer(vertx, "sk-mock-key").start("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    static HttpResponse<String> post(String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersChatWithRealTokenCounts() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "sk-mock-key",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello there\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = mapper.readTree(r.body());
        String content = body.at("/choices/0/message/content").asText();
        assertThat(content).isEqualTo("Mock reply from gpt-4o: Hello there");
        assertThat(body.at("/object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/model").asText()).isEqualTo("gpt-4o");
        // 3 priming + per message (3 + role + content)
        int expectedPrompt = 3 + 3 + TokenCounter.count("system") + TokenCounter.count("Be brief.")
                + 3 + TokenCounter.count("user") + TokenCounter.count("Hello there");
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(expectedPrompt);
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(content)).isGreaterThan(3);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(expectedPrompt + TokenCounter.count(content));
    }

    @Test
    void cutsAtMaxTokens() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "sk-mock-key",
                "{\"model\":\"m\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"a long question indeed\"}]}");
        JsonNode body = mapper.readTree(r.body());
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void rejectsWrongKeyAndBadJsonInOpenAiEnvelope() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "wrong", "{\"model\":\"m\",\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(mapper.readTree(r.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
        r = post("/v1/chat/completions", "sk-mock-key", "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(mapper.readTree(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }
}
