package io.nexusai.api.routing;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The wire format a provider speaks; picks the translator and the upstream credential strategy. */
public enum ProviderKind {
    /** OpenAI or any OpenAI-compatible server (vLLM, Ollama, DeepSeek, ...): Bearer key, base URL + path. */
    OPENAI("openai"),
    /** Azure OpenAI: deployment URLs, {@code api-version}, {@code api-key} header. */
    AZURE("azure"),
    /** Anthropic Messages API: {@code x-api-key}, {@code anthropic-version}. */
    ANTHROPIC("anthropic"),
    /** Google Gemini API ({@code v1beta} {@code generateContent}): {@code x-goog-api-key}. */
    GEMINI("gemini"),
    /**
     * AWS Bedrock Runtime (Converse and ConverseStream): SigV4-signed with the provider's access key, in its region;
     * the encrypted secret is an {@link io.nexusai.api.crypto.AwsKeys} string.
     */
    BEDROCK("bedrock");

    private final String wire;

    ProviderKind(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static ProviderKind fromWire(String value) {
        for (ProviderKind kind : values()) {
            if (kind.wire.equalsIgnoreCase(value)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown provider kind '" + value + "' (expected openai, azure, anthropic, gemini or bedrock)");
    }
}
