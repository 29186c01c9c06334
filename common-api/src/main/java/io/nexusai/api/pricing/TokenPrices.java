package io.nexusai.api.pricing;

import java.math.BigDecimal;

/**
 * A model's rates per 1M tokens and the one formula that turns token counts into cost, shared by the gateway (budget
 * reservations and settlements) and metering (the recorded cost) so that both always agree.
 *
 * <p>Token counts follow OpenAI's convention, which the gateway normalises every provider to: {@code prompt} is all
 * input tokens, cache reads ({@code cached}) and cache writes ({@code cacheWrite}) included; {@code completion} is
 * all output tokens, reasoning tokens included (they are billed at the output rate, so they add nothing here). An
 * Anthropic answer's {@code input_tokens} excludes its cache reads and writes; the gateway adds them to the prompt.
 *
 * <p>A model without a cached-input or cache-write rate bills those tokens at its input rate: with no published
 * discount (or surcharge) the provider charges the plain input price.
 *
 * @param inputPerMillion       uncached input
 * @param cachedInputPerMillion input read from the provider's prompt cache, or {@code null} for the input rate
 * @param cacheWritePerMillion  input written to the prompt cache (Anthropic), or {@code null} for the input rate
 * @param outputPerMillion      output, reasoning included
 */
public record TokenPrices(BigDecimal inputPerMillion, BigDecimal cachedInputPerMillion, BigDecimal cacheWritePerMillion,
                          BigDecimal outputPerMillion) {

    public TokenPrices {
        cachedInputPerMillion = cachedInputPerMillion == null ? inputPerMillion : cachedInputPerMillion;
        cacheWritePerMillion = cacheWritePerMillion == null ? inputPerMillion : cacheWritePerMillion;
    }

    /**
     * Σ tokens × rate per 1M, exact: (prompt − cached − cacheWrite) × input + cached × cached input + cacheWrite ×
     * cache write + completion × output. Divide by 10⁶ for the cost in the price's currency. Cache counts larger
     * than the prompt (a provider's inconsistent report) are clamped so that no token is billed below zero.
     */
    public BigDecimal perMillionSum(long prompt, long cached, long cacheWrite, long completion) {
        long read = Math.max(0, Math.min(cached, prompt));
        long written = Math.max(0, Math.min(cacheWrite, prompt - read));
        long uncached = prompt - read - written;
        return inputPerMillion.multiply(BigDecimal.valueOf(uncached))
                .add(cachedInputPerMillion.multiply(BigDecimal.valueOf(read)))
                .add(cacheWritePerMillion.multiply(BigDecimal.valueOf(written)))
                .add(outputPerMillion.multiply(BigDecimal.valueOf(completion)));
    }

    /**
     * The highest rate an input token can cost (a prompt may be written to the cache in full): what a reservation,
     * made before the answer tells which tokens were cached, charges every estimated prompt token.
     */
    public BigDecimal maxInputPerMillion() {
        return inputPerMillion.max(cachedInputPerMillion).max(cacheWritePerMillion);
    }
}
