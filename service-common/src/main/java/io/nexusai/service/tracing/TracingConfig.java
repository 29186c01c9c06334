package io.nexusai.service.tracing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Distributed tracing ({@code nexus.tracing.*}). Every service takes part in W3C trace context whatever is set
 * here: a caller's {@code traceparent} is continued (else a new trace id is made), passed on to the services
 * and providers called, written to the logs and stored with the usage row. These settings only decide whether
 * spans are recorded and sent to an OpenTelemetry collector over OTLP ({@code quarkus.otel.exporter.otlp.*},
 * e.g. {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}).
 */
@ConfigMapping(prefix = "nexus.tracing")
public interface TracingConfig {
    /**
     * {@code NEXUS_TRACING_EXPORT}: record spans and export them over OTLP. Off by default: no span is recorded
     * (nothing to export, no collector needed) and outgoing {@code traceparent}s say "not sampled".
     */
    @WithDefault("false")
    boolean export();

    /**
     * {@code NEXUS_TRACING_SAMPLE_RATIO}: share of new traces recorded when exporting (0 to 1). A trace whose
     * caller decided (the sampled flag of its {@code traceparent}) follows that decision.
     */
    @WithDefault("1.0")
    double sampleRatio();
}
