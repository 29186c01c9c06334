package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.Deployment;

/**
 * A deployment ready to be called: its routing data and its decrypted provider key. The key lives only in
 * memory and is never printed ({@link #toString()} leaves it out).
 */
public final class Target {
    private final Deployment deployment;
    private final String apiKey;

    Target(Deployment deployment, String apiKey) {
        this.deployment = deployment;
        this.apiKey = apiKey;
    }

    public Deployment deployment() {
        return deployment;
    }

    /** The provider key in plaintext, for the upstream credential strategy only. */
    public String apiKey() {
        return apiKey;
    }

    @Override
    public String toString() {
        return "Target[" + deployment.providerName() + "/" + deployment.realModel() + " #" + deployment.id() + "]";
    }
}
