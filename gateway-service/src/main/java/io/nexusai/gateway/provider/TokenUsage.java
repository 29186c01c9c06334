package io.nexusai.gateway.provider;

/**
 * Tokens of one response, normalised to OpenAI's convention whatever the provider: the prompt includes the tokens
 * read from and written to the provider's prompt cache, the completion includes the reasoning tokens. The parts
 * are kept because they are priced apart (cache) or reported apart (reasoning).
 *
 * @param promptTokens     input tokens, cache reads and writes included
 * @param completionTokens output tokens, reasoning included
 * @param cachedTokens     of the prompt, read from the prompt cache
 * @param cacheWriteTokens of the prompt, written to the prompt cache (Anthropic)
 * @param reasoningTokens  of the completion, reasoning
 * @param estimated        counted by our tokenizer rather than reported by the provider
 */
public record TokenUsage(long promptTokens, long completionTokens, long cachedTokens, long cacheWriteTokens,
                         long reasoningTokens, boolean estimated) {
    public static final TokenUsage NONE = new TokenUsage(0, 0, false);

    /** Usage without cache or reasoning details. */
    public TokenUsage(long promptTokens, long completionTokens, boolean estimated) {
        this(promptTokens, completionTokens, 0, 0, 0, estimated);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
