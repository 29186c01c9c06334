package io.nexusai.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The product README's metrics: {@code nexus_requests_total{provider,model,status}} and the
 * {@code nexus_latency_seconds} histogram. Label values are bounded: provider names and aliases come from
 * configuration (unknown aliases are reported as "unknown"), never from raw client input or key ids.
 */
@ApplicationScoped
public class GatewayMetrics {
    private static final Duration[] BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private record Labels(String provider, String model, int status) {
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Labels, Counter> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Labels, Timer> latency = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void request(String provider, String model, int status, long nanos) {
        Labels labels = new Labels(provider, model, status);
        requests.computeIfAbsent(labels, l -> Counter.builder("nexus.requests")
                .description("Total API requests")
                .tag("provider", l.provider()).tag("model", l.model()).tag("status", Integer.toString(l.status()))
                .register(registry)).increment();
        latency.computeIfAbsent(labels, l -> Timer.builder("nexus.latency")
                .description("API latency distribution")
                .tag("provider", l.provider()).tag("model", l.model()).tag("status", Integer.toString(l.status()))
                .serviceLevelObjectives(BUCKETS)
                .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
