package io.nexusai.gateway.provider;

/**
 * Tokens of one response.
 *
 * @param promptTokens     input tokens
 * @param completionTokens output tokens
 * @param estimated        counted by our tokenizer rather than reported by the provider
 */
public record TokenUsage(long promptTokens, long completionTokens, boolean estimated) {
    public static final TokenUsage NONE = new TokenUsage(0, 0, false);

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
