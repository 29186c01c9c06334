package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.gateway.provider.TokenUsage;

/**
 * The usage of one Anthropic Messages stream as its events report it: {@code message_start} carries the input
 * counts (cache reads and writes apart), {@code message_delta} the cumulative output count — and, in newer API
 * versions, the input counts again. One instance per stream; not thread-safe.
 */
final class AnthropicStreamUsage {
    private long inputTokens;
    private long cacheCreationTokens;
    private long cacheReadTokens;
    private long outputTokens;

    /**
     * {@code message_start}'s {@code message.usage}: its input counts (its {@code output_tokens} is a placeholder,
     * the output is counted by {@code message_delta}).
     */
    void start(JsonNode usage) {
        inputTokens = usage.path("input_tokens").asLong();
        cacheCreationTokens = usage.path("cache_creation_input_tokens").asLong();
        cacheReadTokens = usage.path("cache_read_input_tokens").asLong();
    }

    /** {@code message_delta}'s {@code usage}: cumulative counts, each present or not. */
    void delta(JsonNode usage) {
        outputTokens = count(usage, "output_tokens", outputTokens);
        inputTokens = count(usage, "input_tokens", inputTokens);
        cacheCreationTokens = count(usage, "cache_creation_input_tokens", cacheCreationTokens);
        cacheReadTokens = count(usage, "cache_read_input_tokens", cacheReadTokens);
    }

    /** The usage so far in OpenAI's convention (the prompt includes the cache reads and writes). */
    TokenUsage usage() {
        return new TokenUsage(inputTokens + cacheCreationTokens + cacheReadTokens, outputTokens, cacheReadTokens,
                cacheCreationTokens, 0, false);
    }

    private static long count(JsonNode usage, String field, long previous) {
        JsonNode v = usage.get(field);
        return v != null && v.isNumber() ? v.asLong() : previous;
    }
}
