package io.nexusai.gateway.limits;

import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.provider.TokenUsage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PricingTest {
    static Deployment deployment(Deployment.Price price, String multiplier) {
        return new Deployment(1, 1, "p", ProviderKind.OPENAI, "http://127.0.0.1:9/v1", "envelope", "m", 1, 0, null,
                Map.of(), 0, new BigDecimal(multiplier), Map.of(), price);
    }

    static final Deployment GPT_4O = deployment(new Deployment.Price(new BigDecimal("2.50"), new BigDecimal("10.00"), "USD",
            new BigDecimal("1.25"), null), "1");
    static final Deployment SONNET = deployment(new Deployment.Price(new BigDecimal("3"), new BigDecimal("15"), "USD",
            new BigDecimal("0.30"), new BigDecimal("3.75")), "2");

    @Test
    void settlementPricesCachedTokensAtTheCachedRateAndReasoningOnceAsOutput() {
        // (400 × 2.50 + 600 × 1.25 + 300 × 10) / 1M = 0.00475 → 4,750,000 nano-units
        assertThat(Pricing.nanos(GPT_4O, new TokenUsage(1000, 300, 600, 0, 200, false))).isEqualTo(4_750_000);
        // without the cache discount: (1000 × 2.50 + 300 × 10) / 1M
        assertThat(Pricing.nanos(GPT_4O, 1000, 300)).isEqualTo(5_500_000);
    }

    @Test
    void anthropicCacheWritesAndReadsWithTheMultiplier() {
        // (100 × 3 + 2000 × 0.30 + 500 × 3.75 + 40 × 15) / 1M × 2 = 3375 / 1M × 2 → 6,750,000
        assertThat(Pricing.nanos(SONNET, new TokenUsage(2600, 40, 2000, 500, 0, false))).isEqualTo(6_750_000);
    }

    @Test
    void aReservationChargesEveryPromptTokenTheHighestInputRate() {
        // Sonnet: a cache write (3.75) costs more than plain input; (1000 × 3.75 + 100 × 15) / 1M × 2
        assertThat(Pricing.reservationNanos(SONNET, 1000, 100)).isEqualTo(10_500_000);
        // gpt-4o: the cached rate is lower, plain input applies
        assertThat(Pricing.reservationNanos(GPT_4O, 1000, 100)).isEqualTo(Pricing.nanos(GPT_4O, 1000, 100));
        assertThat(Pricing.reservationNanos(null, 1000, 100)).isZero();
    }

    @Test
    void roundsUpToTheNanoUnit() {
        // 1 cached token at 1.25 per 1M = 1250 nano-units, × 0.333333 = 416.66625 → 417
        Deployment third = deployment(GPT_4O.price(), "0.333333");
        assertThat(Pricing.nanos(third, new TokenUsage(1, 0, 1, 0, 0, false))).isEqualTo(417);
    }
}
