package io.nexusai.gateway.provider.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static io.nexusai.gateway.provider.StreamReplay.content;
import static org.assertj.core.api.Assertions.assertThat;

class OpenAiToAzureTranslatorTest {
    static final String ALIAS = "nexus-fast";
    static final Deployment DEFAULT = Recorded.deployment(ProviderKind.AZURE, "https://contoso-eu.openai.azure.com", "gpt-4o prod", Map.of());
    static final Deployment PINNED = Recorded.deployment(ProviderKind.AZURE, "https://contoso-eu.openai.azure.com", "gpt4o-mini",
            Map.of("api_version", "2025-01-01-preview"));

    static OpenAiToAzureTranslator chat(Deployment deployment) {
        return new OpenAiToAzureTranslator(Recorded.MAPPER, deployment, ALIAS, Endpoint.CHAT);
    }

    @Test
    void urlNamesTheDeploymentAndTheDefaultApiVersion() {
        String body = "{\"model\":\"nexus-fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"data_sources\":[{\"type\":\"azure_search\"}]}";
        UpstreamRequest request = chat(DEFAULT).request(json(body), false);
        assertThat(request.url()).isEqualTo("https://contoso-eu.openai.azure.com/openai/deployments/gpt-4o+prod/chat/completions?api-version="
                + OpenAiToAzureTranslator.DEFAULT_API_VERSION);
        assertThat(OpenAiToAzureTranslator.DEFAULT_API_VERSION).isEqualTo("2024-10-21");
        ObjectNode expected = json(body);
        expected.put("model", "gpt-4o prod");
        assertThat(json(request.body())).isEqualTo(expected);
    }

    @Test
    void apiVersionComesFromTheProviderSettings() {
        assertThat(chat(PINNED).request(json("{\"model\":\"x\",\"messages\":[]}"), false).url())
                .isEqualTo("https://contoso-eu.openai.azure.com/openai/deployments/gpt4o-mini/chat/completions?api-version=2025-01-01-preview");
        assertThat(new OpenAiToAzureTranslator(Recorded.MAPPER, PINNED, ALIAS, Endpoint.EMBEDDINGS).request(json("{\"model\":\"x\",\"input\":\"a\"}"), false).url())
                .isEqualTo("https://contoso-eu.openai.azure.com/openai/deployments/gpt4o-mini/embeddings?api-version=2025-01-01-preview");
    }

    @Test
    void responseKeepsContentFilterResults() {
        Translated translated = chat(DEFAULT).response(Recorded.buffer("azure/chat-response.json"));
        assertThat(translated.body().path("model").asText()).isEqualTo(ALIAS);
        assertThat(translated.body().at("/prompt_filter_results/0/content_filter_results/jailbreak/detected").isBoolean()).isTrue();
        assertThat(translated.body().at("/choices/0/content_filter_results/hate/severity").asText()).isEqualTo("safe");
        assertThat(translated.usage()).isEqualTo(new TokenUsage(14, 7, false));
    }

    @Test
    void streamDropsTheFilterOnlyFirstChunkAndSurvivesEveryCut() {
        StreamReplay.Run run = StreamReplay.replay(() -> chat(DEFAULT), Recorded.bytes("azure/chat-stream-content-filter.sse"));
        // Azure's first chunk ("object":"", no choices, only prompt_filter_results) is no OpenAI chunk: left out
        assertThat(run.chunks()).hasSize(5);
        assertThat(run.chunks()).allSatisfy(c -> assertThat(c.has("prompt_filter_results") && c.path("choices").isEmpty()).isFalse());
        assertThat(run.chunks()).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo(ALIAS));
        assertThat(content(run.chunks())).isEqualTo("Grüß Gott aus Köln ☕");
        assertThat(run.chunks().get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(run.chunks().get(4).at("/usage/total_tokens").asInt()).isEqualTo(21);
        assertThat(run.usage()).isEqualTo(new TokenUsage(14, 7, false));
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
    }

    @Test
    void azureErrorsAreNormalised() {
        ApiException limited = chat(DEFAULT).error(429, Recorded.buffer("azure/error-429.json"),
                MultiMap.caseInsensitiveMultiMap().add("Retry-After", "12"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.retryAfterSeconds()).isEqualTo(12L);
        assertThat(limited.getMessage()).contains("exceeded token rate limit");

        ApiException filtered = chat(DEFAULT).error(400, Recorded.buffer("azure/error-400-content-filter.json"), MultiMap.caseInsensitiveMultiMap());
        assertThat(filtered.status()).isEqualTo(400);
        assertThat(filtered.type()).isEqualTo("invalid_request_error");
        assertThat(filtered.code()).isEqualTo("content_filter");
        assertThat(filtered.getMessage()).contains("content management policy");
    }
}
