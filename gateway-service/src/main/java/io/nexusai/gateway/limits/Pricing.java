package io.nexusai.gateway.limits;

import io.nexusai.api.pricing.TokenPrices;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.TokenUsage;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Cost of tokens on a deployment in nano-units of the price table's currency, the way metering-service prices a
 * usage event — {@link TokenPrices#perMillionSum} (cache reads and writes at their own rates) / 1M × the route's
 * cost multiplier — rounded up, so that counters in Redis never show less than metering will record. Unknown
 * prices cost nothing (metering records 0).
 */
public final class Pricing {
    private static final int NANOS_PER_UNIT_PER_MILLION = 3; // 10^9 nano-units per unit / 10^6 tokens

    private Pricing() {
    }

    /** The cost of tokens without cache reads or writes. */
    public static long nanos(Deployment d, long promptTokens, long completionTokens) {
        return nanos(d, new TokenUsage(promptTokens, completionTokens, false));
    }

    /** The cost of a response's usage, exactly as metering will record it (but rounded up to the nano-unit). */
    public static long nanos(Deployment d, TokenUsage usage) {
        Deployment.Price price = d == null ? null : d.price();
        if (price == null || usage.totalTokens() == 0) {
            return 0;
        }
        BigDecimal perMillion = price.rates().perMillionSum(usage.promptTokens(), usage.cachedTokens(),
                usage.cacheWriteTokens(), usage.completionTokens());
        return toNanos(perMillion, d);
    }

    /**
     * What a budget reservation charges before the answer: which prompt tokens the provider will read from or
     * write to its cache is unknown, so every estimated prompt token is charged the highest input-side rate (an
     * Anthropic cache write costs more than plain input) — the settlement then replaces it by the exact cost.
     */
    public static long reservationNanos(Deployment d, long promptTokens, long completionTokens) {
        Deployment.Price price = d == null ? null : d.price();
        if (price == null || (promptTokens == 0 && completionTokens == 0)) {
            return 0;
        }
        TokenPrices rates = price.rates();
        BigDecimal perMillion = rates.maxInputPerMillion().multiply(BigDecimal.valueOf(promptTokens))
                .add(rates.outputPerMillion().multiply(BigDecimal.valueOf(completionTokens)));
        return toNanos(perMillion, d);
    }

    private static long toNanos(BigDecimal perMillion, Deployment d) {
        BigDecimal multiplier = d.costMultiplier() == null ? BigDecimal.ONE : d.costMultiplier();
        return perMillion.multiply(multiplier).movePointRight(NANOS_PER_UNIT_PER_MILLION).setScale(0, RoundingMode.CEILING).longValue();
    }
}
