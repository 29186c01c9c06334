package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.Deployment;

/**
 * A deployment ready to be called, in one region when the route splits traffic by region: its routing data
 * (endpoint already resolved for the region), its share of the alias's traffic, and its decrypted provider key.
 * The key lives only in memory and is never printed ({@link #toString()} leaves it out).
 *
 * @see RouteTable#compile
 */
public final class Target {
    private final Deployment deployment;
    private final String apiKey;
    private final double weight;
    private final String key;

    Target(Deployment deployment, String apiKey, double weight) {
        this.deployment = deployment;
        this.apiKey = apiKey;
        this.weight = weight;
        this.key = deployment.region() == null || deployment.regionWeights().isEmpty()
                ? Long.toString(deployment.id()) : deployment.id() + "@" + deployment.region();
    }

    public Deployment deployment() {
        return deployment;
    }

    /** The provider key in plaintext, for the upstream credential strategy only. */
    public String apiKey() {
        return apiKey;
    }

    /** Share of the alias's traffic within its priority tier (the route weight, times the region's share). */
    public double weight() {
        return weight;
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
