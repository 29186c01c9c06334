package io.nexusai.gateway.routing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.snapshot.Target;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link TargetHealth} of every target this gateway has routed to, by target key. */
@Singleton
public class HealthRegistry {

    /** Circuit breakers and local limits ({@code nexus.gateway.resilience.*}). */
    @ConfigMapping(prefix = "nexus.gateway.resilience")
    public interface Settings {
        /** Rolling window of attempts the breaker looks at (it opens only once the window is full). */
        @WithDefault("10")
        int breakerRequestVolume();

        /** Share of failed attempts in the window that opens the breaker. */
        @WithDefault("0.5")
        double breakerFailureRatio();

        /** How long an open breaker waits before letting one probe through (half-open). */
        @WithDefault("10s")
        Duration breakerDelay();

        /** Successful probes that close a half-open breaker. */
        @WithDefault("1")
        int breakerSuccessThreshold();

        /**
         * Share of a deployment's per-minute rate limit this replica may use on its own (until the shared
         * limits in Redis decide); 1.0 = the whole limit.
         */
        @WithDefault("1.0")
        double localRateLimitShare();
    }

    private final ConcurrentHashMap<String, TargetHealth> health = new ConcurrentHashMap<>();
    private final TargetHealth.BreakerSettings breaker;
    private final Settings settings;
    private final MeterRegistry meters;

    public HealthRegistry(Settings settings, MeterRegistry meters) {
        this.settings = settings;
        this.meters = meters;
        this.breaker = new TargetHealth.BreakerSettings(settings.breakerRequestVolume(), settings.breakerFailureRatio(),
                settings.breakerDelay(), settings.breakerSuccessThreshold());
    }

    public TargetHealth of(Target target) {
        return health.computeIfAbsent(target.key(), key -> {
            TargetHealth h = new TargetHealth(key, breaker);
            Gauge.builder("nexus.circuit.breaker.state", h, HealthRegistry::stateValue)
                    .description("Circuit breaker per deployment: 0 closed, 1 half-open, 2 open")
                    .tag("provider", target.label()).tag("deployment", key)
                    .register(meters);
            return h;
        });
    }

    /** The health of a target key, or {@code null} when never routed to. */
    public TargetHealth get(String key) {
        return health.get(key);
    }

    public Collection<TargetHealth> all() {
        return health.values();
    }

    public double localRateLimitShare() {
        return settings.localRateLimitShare();
    }

    static double stateValue(TargetHealth h) {
        CircuitBreakerState s = h.breakerState();
        return s == CircuitBreakerState.OPEN ? 2 : s == CircuitBreakerState.HALF_OPEN ? 1 : 0;
    }
}
