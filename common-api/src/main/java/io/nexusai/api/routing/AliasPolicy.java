package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * How the gateway serves one alias.
 *
 * @param strategy           {@code weighted} (random by weight) or {@code latency} (power of two choices over the
 *                           latency moving average); both within the best priority tier that has a healthy deployment
 * @param maxAttempts        deployments tried at most for one request (1 = no failover)
 * @param connectTimeoutMs   TCP connect timeout per attempt
 * @param firstByteTimeoutMs longest wait for the provider's response headers per attempt
 * @param idleTimeoutMs      longest silence between two pieces of a streamed response
 * @param totalTimeoutMs     the whole request, all attempts included
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AliasPolicy(String strategy, int maxAttempts, int connectTimeoutMs, int firstByteTimeoutMs, int idleTimeoutMs,
                          int totalTimeoutMs) {
    public static final AliasPolicy DEFAULT = new AliasPolicy("weighted", 3, 5_000, 120_000, 60_000, 600_000);

    public AliasPolicy {
        strategy = strategy == null ? "weighted" : strategy;
    }

    public boolean latencyAware() {
        return "latency".equals(strategy);
    }
}
