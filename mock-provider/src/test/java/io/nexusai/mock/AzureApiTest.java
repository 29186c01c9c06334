package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AzureApiTest extends MockServerTestBase {
    static final String CHAT = "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21";
    static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Hello Azure\"}]";
    static final String ACCESS_DENIED = """
            {"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. \
            Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}""";

    @Test
    void chatNamesTheDeploymentAndCarriesFilterResults() {
        HttpResponse<String> r = azure(CHAT, "{" + MESSAGES + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("model").asText()).isEqualTo("my-gpt4o");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Mock reply from my-gpt4o: Hello Azure");
        assertThat(body.path("prompt_filter_results"))
                .isEqualTo(json("[{\"prompt_index\":0,\"content_filter_results\":{}}]"));
        assertThat(body.at("/choices/0/content_filter_results")).isEqualTo(json("{}"));
        assertThat(body.at("/usage/prompt_tokens").asInt())
                .isEqualTo(TokenCounter.countMessages(json("[{\"role\":\"user\",\"content\":\"Hello Azure\"}]")));
    }

    @Test
    void missingApiVersionIs404AndWrongKeyIs401() {
        HttpResponse<String> noVersion = azure("/openai/deployments/my-gpt4o/chat/completions", "{" + MESSAGES + "}");
        assertThat(noVersion.statusCode()).isEqualTo(404);
        assertThat(json(noVersion.body())).isEqualTo(json("{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}"));

        HttpResponse<String> wrongKey = post(CHAT, "{" + MESSAGES + "}", "api-key", "nope");
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(json(wrongKey.body())).isEqualTo(json(ACCESS_DENIED));
        HttpResponse<String> bearerOnly = post(CHAT, "{" + MESSAGES + "}", "Authorization", "Bearer " + KEY);
        assertThat(bearerOnly.statusCode()).isEqualTo(401);
        assertThat(json(bearerOnly.body())).isEqualTo(json(ACCESS_DENIED));

        HttpResponse<String> unknownPath = azure("/openai/deployments/x/images/generations?api-version=1", "{}");
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(json(unknownPath.body()).at("/error/code").asText()).isEqualTo("404");
    }

    @Test
    void streamStartsWithThePromptFilterChunk() {
        HttpResponse<String> r = azure(CHAT, "{\"stream\":true," + MESSAGES + "}");
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
        List<SseEvent> events = sse(r.body());
        JsonNode first = events.getFirst().json();
        assertThat(first.path("choices").isArray()).isTrue();
        assertThat(first.path("choices").isEmpty()).isTrue();
        assertThat(first.path("model").asText()).isEmpty();
        assertThat(first.path("prompt_filter_results"))
                .isEqualTo(json("[{\"prompt_index\":0,\"content_filter_results\":{}}]"));
        StringBuilder content = new StringBuilder();
        for (SseEvent event : events.subList(1, events.size() - 1)) {
            JsonNode chunk = event.json();
            assertThat(chunk.path("model").asText()).isEqualTo("my-gpt4o");
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            content.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertThat(content.toString()).isEqualTo("Mock reply from my-gpt4o: Hello Azure");
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
    }

    @Test
    void completionsAndEmbeddingsPaths() {
        JsonNode completion = json(azure("/openai/deployments/instruct/completions?api-version=2024-10-21",
                "{\"prompt\":\"Once upon\"}").body());
        assertThat(completion.path("model").asText()).isEqualTo("instruct");
        assertThat(completion.at("/choices/0/text").asText()).isEqualTo("Mock completion from instruct: Once upon");
        assertThat(completion.path("prompt_filter_results").isArray()).isTrue();

        HttpResponse<String> r = azure("/openai/deployments/embedder/embeddings?api-version=2024-10-21",
                "{\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode embeddings = json(r.body());
        assertThat(embeddings.path("model").asText()).isEqualTo("embedder");
        assertThat(embeddings.path("data")).hasSize(2);
        assertThat(embeddings.at("/data/0/embedding").isTextual()).isTrue();

        HttpResponse<String> noVersion = azure("/openai/deployments/embedder/embeddings", "{\"input\":\"a\"}");
        assertThat(noVersion.statusCode()).isEqualTo(404);
    }

    @Test
    void journalKeepsTheApiVersion() {
        delete("/_mock/requests");
        azure(CHAT, "{" + MESSAGES + "}");
        JsonNode entry = get("/_mock/requests").get(0);
        assertThat(entry.path("query").asText()).isEqualTo("api-version=2024-10-21");
        assertThat(entry.at("/headers/api-key").asText()).isEqualTo(KEY);
    }
}
