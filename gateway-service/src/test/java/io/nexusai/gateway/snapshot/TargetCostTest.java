package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.limits.Pricing;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The cost counter's arithmetic agrees with the limiter's (and so metering's) pricing. */
class TargetCostTest {
    static Deployment deployment(Deployment.Price price, String multiplier) {
        return new Deployment(1, 1, "openai", ProviderKind.OPENAI, "http://127.0.0.1:9/v1", "envelope", "gpt-4o", 1, 0, null,
                Map.of(), 0, multiplier == null ? null : new BigDecimal(multiplier), Map.of(), price);
    }

    @Test
    void costInCurrencyUnitsMatchesPricing() {
        Deployment.Price price = new Deployment.Price(new BigDecimal("2.50"), new BigDecimal("10.00"), "USD");
        for (String multiplier : new String[] {null, "1", "1.5", "0.333333"}) {
            Deployment d = deployment(price, multiplier);
            Target t = new Target(d, "sk", 1);
            for (long[] tokens : new long[][] {{1, 0}, {0, 1}, {1234, 567}, {1_000_000, 1_000_000}}) {
                double expected = Pricing.nanos(d, tokens[0], tokens[1]) / 1e9;
                assertThat(t.cost(tokens[0], tokens[1])).as("multiplier %s, tokens %s/%s", multiplier, tokens[0], tokens[1])
                        .isCloseTo(expected, within(1e-9)); // Pricing rounds up to the nano-unit
            }
        }
        // (1234 × 2.50 + 567 × 10.00) / 1M × 1.5
        assertThat(new Target(deployment(price, "1.5"), "sk", 1).cost(1234, 567)).isCloseTo(0.0131325, within(1e-12));
    }

    @Test
    void unpricedCostsNothing() {
        assertThat(new Target(deployment(null, "2"), "sk", 1).cost(1000, 1000)).isZero();
    }
}
