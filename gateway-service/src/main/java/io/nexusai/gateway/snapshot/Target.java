package io.nexusai.gateway.snapshot;

import io.nexusai.api.crypto.AwsKeys;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * A deployment ready to be called, in one region when the route splits traffic by region: its routing data
 * (endpoint already resolved for the region), its share of the alias's traffic, and its decrypted provider key
 * (for Bedrock, the AWS credentials it holds, read once here). The key lives only in memory and is never printed
 * ({@link #toString()} leaves it out).
 *
 * @see RouteTable#compile
 */
public final class Target {
    private final Deployment deployment;
    private final String apiKey;
    private final AwsCredentialsIdentity awsCredentials;
    private final double weight;
    private final String key;
    /** Price per token (input, output) times the cost multiplier, in currency units; 0 when unpriced. For metrics. */
    private final double inputPerToken;
    private final double outputPerToken;
    private final double cachedPerToken;
    private final double cacheWritePerToken;
    /**
     * The health this target's key had in the {@code HealthRegistry} when a request last looked it up, so that the
     * next request of this target (this object: a route snapshot keeps an unchanged target's object) finds it
     * without a lookup by key in a map of every target (cache-cold at catalogue size). The registry checks that it was
     * not evicted since.
     */
    private volatile io.nexusai.gateway.routing.TargetHealth health;
    /**
     * The request meters of this target's alias and provider ({@code GatewayMetrics.series}), memoised for the same
     * reason: a target belongs to one alias and one provider name for its life.
     */
    private volatile io.nexusai.gateway.usage.GatewayMetrics.Series series;

    /** @throws IllegalArgumentException when a Bedrock deployment's secret is not an {@link AwsKeys} string */
    Target(Deployment deployment, String apiKey, double weight) {
        this.deployment = deployment;
        this.apiKey = apiKey;
        this.awsCredentials = deployment.providerKind() == ProviderKind.BEDROCK ? aws(AwsKeys.decode(apiKey)) : null;
        this.weight = weight;
        Deployment.Price price = deployment.price();
        double multiplier = deployment.costMultiplier() == null ? 1 : deployment.costMultiplier().doubleValue();
        this.inputPerToken = price == null ? 0 : price.inputPerMillion().doubleValue() * multiplier / 1e6;
        this.outputPerToken = price == null ? 0 : price.outputPerMillion().doubleValue() * multiplier / 1e6;
        this.cachedPerToken = price == null ? 0 : price.rates().cachedInputPerMillion().doubleValue() * multiplier / 1e6;
        this.cacheWritePerToken = price == null ? 0 : price.rates().cacheWritePerMillion().doubleValue() * multiplier / 1e6;
        this.key = deployment.region() == null || deployment.regionWeights().isEmpty()
                ? Long.toString(deployment.id()) : deployment.id() + "@" + deployment.region();
    }

    /** The registry's memo (see the field); {@code null} before the first lookup. */
    public io.nexusai.gateway.routing.TargetHealth health() {
        return health;
    }

    /** Set by the registry only. */
    public void health(io.nexusai.gateway.routing.TargetHealth health) {
        this.health = health;
    }

    /** {@code GatewayMetrics}' memo (see the field); {@code null} before this target's first request was recorded. */
    public io.nexusai.gateway.usage.GatewayMetrics.Series series() {
        return series;
    }

    /** Set by {@code GatewayMetrics} only. */
    public void series(io.nexusai.gateway.usage.GatewayMetrics.Series series) {
        this.series = series;
    }

    public Deployment deployment() {
        return deployment;
    }

    /** The provider key in plaintext, for the upstream credential strategy only. */
    public String apiKey() {
        return apiKey;
    }

    /** A Bedrock deployment's AWS credentials, for the SigV4 signer; {@code null} for other kinds. */
    public AwsCredentialsIdentity awsCredentials() {
        return awsCredentials;
    }

    private static AwsCredentialsIdentity aws(AwsKeys keys) {
        return keys.sessionToken() == null ? AwsCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey(), keys.sessionToken());
    }

    /** Share of the alias's traffic within its priority tier (the route weight, times the region's share). */
    public double weight() {
        return weight;
    }

    /**
     * The cost of tokens on this deployment in currency units of the price table, as a double for the cost counter
     * (metering stores the exact amount; {@link io.nexusai.gateway.limits.Pricing} the rounded-up nano-units for
     * budgets): (prompt × input + completion × output) / 1M × the route's multiplier; 0 when unpriced.
     */
    public double cost(long promptTokens, long completionTokens) {
        return promptTokens * inputPerToken + completionTokens * outputPerToken;
    }

    /** The same for a response's usage, its cache reads and writes at their own rates (as metering prices them). */
    public double cost(io.nexusai.gateway.provider.TokenUsage usage) {
        long read = Math.max(0, Math.min(usage.cachedTokens(), usage.promptTokens()));
        long written = Math.max(0, Math.min(usage.cacheWriteTokens(), usage.promptTokens() - read));
        return (usage.promptTokens() - read - written) * inputPerToken + read * cachedPerToken + written * cacheWritePerToken
                + usage.completionTokens() * outputPerToken;
    }

    /** Stable identity across snapshots: the route id, and {@code @region} for a regional share. */
    public String key() {
        return key;
    }

    /** What the {@code x-nexus-provider} header and metrics call it: the provider name, and {@code /region}. */
    public String label() {
        return key.indexOf('@') < 0 ? deployment.providerName() : deployment.providerName() + "/" + deployment.region();
    }

    @Override
    public String toString() {
        return "Target[" + label() + "/" + deployment.realModel() + " #" + key + "]";
    }
}
