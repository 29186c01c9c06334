package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.anthropic.OpenAiToAnthropicChatTranslator;
import io.nexusai.gateway.provider.anthropic.OpenAiToAnthropicCompletionsTranslator;
import io.nexusai.gateway.provider.azure.OpenAiToAzureTranslator;
import io.nexusai.gateway.provider.bedrock.OpenAiToBedrockChatTranslator;
import io.nexusai.gateway.provider.gemini.OpenAiToGeminiChatTranslator;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;
import io.nexusai.gateway.snapshot.Target;
import jakarta.inject.Singleton;

/** Picks the translator for an API call and a target: one exhaustive switch over the provider kind. */
@Singleton
public class Translators {
    private final ObjectMapper mapper;

    public Translators(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A new translator for one request to this target. */
    public Translator create(Endpoint endpoint, Target target, String alias) {
        return switch (target.deployment().providerKind()) {
            case OPENAI -> new OpenAiPassthroughTranslator(mapper, target.deployment(), alias, endpoint);
            case AZURE -> new OpenAiToAzureTranslator(mapper, target.deployment(), alias, endpoint);
            case ANTHROPIC -> switch (endpoint) {
                case CHAT -> new OpenAiToAnthropicChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> new OpenAiToAnthropicCompletionsTranslator(mapper, target.deployment(), alias);
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias
                        + "` is served by Anthropic, which has no embeddings API.", "model");
            };
            case GEMINI -> switch (endpoint) {
                case CHAT -> new OpenAiToGeminiChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> throw ApiException.badRequest("The model `" + alias + "` is served by Google Gemini, "
                        + "which has no legacy completions API; use /v1/chat/completions.", "model");
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias + "` is served by Google Gemini, "
                        + "whose embeddings are not served through this gateway.", "model");
            };
            case BEDROCK -> switch (endpoint) {
                case CHAT -> new OpenAiToBedrockChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> throw ApiException.badRequest("The model `" + alias + "` is served by AWS Bedrock, "
                        + "which has no legacy completions API; use /v1/chat/completions.", "model");
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias + "` is served by AWS Bedrock, "
                        + "whose embeddings are not served through this gateway.", "model");
            };
        };
    }
}
