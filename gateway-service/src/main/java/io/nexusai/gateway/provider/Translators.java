package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.ingress.anthropic.MessagesOverChatTranslator;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.anthropic.AnthropicMessagesPassthrough;
import io.nexusai.gateway.provider.anthropic.OpenAiToAnthropicChatTranslator;
import io.nexusai.gateway.provider.anthropic.OpenAiToAnthropicCompletionsTranslator;
import io.nexusai.gateway.provider.azure.OpenAiToAzureTranslator;
import io.nexusai.gateway.provider.bedrock.OpenAiToBedrockChatTranslator;
import io.nexusai.gateway.provider.gemini.OpenAiToGeminiChatTranslator;
import io.nexusai.gateway.provider.openai.OpenAiPassthroughTranslator;
import io.nexusai.gateway.provider.openai.OpenAiResponsesPassthroughTranslator;
import io.nexusai.gateway.provider.responses.ResponsesOverChatTranslator;
import io.nexusai.gateway.snapshot.Target;
import io.vertx.core.MultiMap;
import jakarta.inject.Singleton;

/**
 * Picks the translator for an API call and a target: one exhaustive switch over the ingress API (the
 * {@link Endpoint}), then one over the provider kind. The OpenAI APIs (chat completions, completions, embeddings)
 * have a translator per provider kind; the other ingress APIs are served natively by the providers that speak them
 * (pass-through) and by an {@link OverChatTranslator} wrapping the provider's chat translator ({@link #chat}) for
 * all others.
 */
@Singleton
public class Translators {
    private final ObjectMapper mapper;

    public Translators(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A new translator for one request to this target. */
    public Translator create(Endpoint endpoint, Target target, String alias) {
        return create(endpoint, target, alias, null);
    }

    /**
     * A new translator for one request to this target; {@code clientHeaders} (or {@code null}) give what a native
     * pass-through forwards (Anthropic's {@code anthropic-version} and {@code anthropic-beta}).
     */
    public Translator create(Endpoint endpoint, Target target, String alias, MultiMap clientHeaders) {
        return switch (endpoint) {
            case CHAT, COMPLETIONS, EMBEDDINGS -> openAi(endpoint, target, alias);
            case RESPONSES -> responses(target, alias);
            case MESSAGES -> messages(target, alias, clientHeaders);
        };
    }

    /** Anthropic Messages: natively to Anthropic, over chat completions to every other kind. */
    private Translator messages(Target target, String alias, MultiMap clientHeaders) {
        return switch (target.deployment().providerKind()) {
            case ANTHROPIC -> new AnthropicMessagesPassthrough(mapper, target.deployment(), alias,
                    clientHeaders == null ? null : clientHeaders.get("anthropic-version"),
                    clientHeaders == null ? null : clientHeaders.get("anthropic-beta"));
            case OPENAI, AZURE, GEMINI, BEDROCK -> new MessagesOverChatTranslator(mapper, chat(target, alias));
        };
    }

    /**
     * A Responses API translator for this target: passed through to OpenAI-compatible deployments whose provider
     * serves the Responses API ({@value #RESPONSES_API_SETTING} = {@code native} in the provider's settings), over
     * the provider's chat translator for every other.
     */
    private Translator responses(Target target, String alias) {
        return switch (target.deployment().providerKind()) {
            case OPENAI -> "native".equals(target.deployment().settings().get(RESPONSES_API_SETTING))
                    ? new OpenAiResponsesPassthroughTranslator(mapper, target.deployment(), alias)
                    : new ResponsesOverChatTranslator(mapper, chat(target, alias), alias);
            default -> new ResponsesOverChatTranslator(mapper, chat(target, alias), alias);
        };
    }

    /** The provider setting that says an OpenAI-compatible provider serves {@code POST /v1/responses} itself. */
    public static final String RESPONSES_API_SETTING = "responses_api";

    /** A new chat completions translator for this target: what ingress adapters wrap. */
    public Translator chat(Target target, String alias) {
        return openAi(Endpoint.CHAT, target, alias);
    }

    private Translator openAi(Endpoint endpoint, Target target, String alias) {
        return switch (target.deployment().providerKind()) {
            case OPENAI -> new OpenAiPassthroughTranslator(mapper, target.deployment(), alias, endpoint);
            case AZURE -> new OpenAiToAzureTranslator(mapper, target.deployment(), alias, endpoint);
            case ANTHROPIC -> switch (endpoint) {
                case CHAT -> new OpenAiToAnthropicChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> new OpenAiToAnthropicCompletionsTranslator(mapper, target.deployment(), alias);
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias
                        + "` is served by Anthropic, which has no embeddings API.", "model");
                default -> throw new IllegalArgumentException("not an OpenAI API: " + endpoint);
            };
            case GEMINI -> switch (endpoint) {
                case CHAT -> new OpenAiToGeminiChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> throw ApiException.badRequest("The model `" + alias + "` is served by Google Gemini, "
                        + "which has no legacy completions API; use /v1/chat/completions.", "model");
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias + "` is served by Google Gemini, "
                        + "whose embeddings are not served through this gateway.", "model");
                default -> throw new IllegalArgumentException("not an OpenAI API: " + endpoint);
            };
            case BEDROCK -> switch (endpoint) {
                case CHAT -> new OpenAiToBedrockChatTranslator(mapper, target.deployment(), alias);
                case COMPLETIONS -> throw ApiException.badRequest("The model `" + alias + "` is served by AWS Bedrock, "
                        + "which has no legacy completions API; use /v1/chat/completions.", "model");
                case EMBEDDINGS -> throw ApiException.badRequest("The model `" + alias + "` is served by AWS Bedrock, "
                        + "whose embeddings are not served through this gateway.", "model");
                default -> throw new IllegalArgumentException("not an OpenAI API: " + endpoint);
            };
        };
    }
}
