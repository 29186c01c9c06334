package io.nexusai.gateway.limits;

import io.nexusai.api.routing.Deployment;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Cost of tokens on a deployment in nano-units of the price table's currency, the way metering-service prices a
 * usage event — (prompt × input + completion × output) / 1M × the route's cost multiplier — rounded up, so that
 * counters in Redis never show less than metering will record. Unknown prices cost nothing (metering records 0).
 */
public final class Pricing {
    private static final int NANOS_PER_UNIT_PER_MILLION = 3; // 10^9 nano-units per unit / 10^6 tokens

    private Pricing() {
    }

    public static long nanos(Deployment d, long promptTokens, long completionTokens) {
        Deployment.Price price = d == null ? null : d.price();
        if (price == null || (promptTokens == 0 && completionTokens == 0)) {
            return 0;
        }
        BigDecimal perMillion = price.inputPerMillion().multiply(BigDecimal.valueOf(promptTokens))
                .add(price.outputPerMillion().multiply(BigDecimal.valueOf(completionTokens)));
        BigDecimal multiplier = d.costMultiplier() == null ? BigDecimal.ONE : d.costMultiplier();
        return perMillion.multiply(multiplier).movePointRight(NANOS_PER_UNIT_PER_MILLION).setScale(0, RoundingMode.CEILING).longValue();
    }
}
