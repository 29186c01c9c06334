package io.nexusai.service.tracing;

import io.opentelemetry.sdk.trace.samplers.Sampler;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The sampler of every service (Quarkus' OpenTelemetry SDK takes a {@link Sampler} bean over its own setting):
 * without export nothing is recorded, which keeps trace ids (they are made whatever the decision) and costs
 * the least; with export, parent-based on a trace-id ratio.
 */
public class TracingSampler {

    @Produces
    @Singleton
    Sampler sampler(TracingConfig config) {
        return of(config.export(), config.sampleRatio());
    }

    static Sampler of(boolean export, double ratio) {
        if (!export) {
            return Sampler.alwaysOff();
        }
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("nexus.tracing.sample-ratio must be between 0 and 1, not " + ratio);
        }
        return Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
    }
}
