package io.nexusai.gateway.routing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.snapshot.Target;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link TargetHealth} of every target this gateway has routed to, by target key, and their breaker metrics:
 * {@code nexus_circuit_breakers{provider,state}} (targets per breaker state, per provider label: bounded by the
 * providers) and, for at most {@code nexus.metrics.max-deployments} targets ({@code NEXUS_METRICS_MAX_DEPLOYMENTS},
 * default {@value #DEFAULT_MAX_DEPLOYMENTS}, first come first served among the targets held),
 * {@code nexus_circuit_breaker_state{provider,deployment}}; {@code nexus_metrics_deployments_folded_total} counts the
 * targets past the bound (each once). A target that left the route table is held a while (a deployment removed and
 * added back keeps its breaker), then evicted by the {@code HealthPublisher} ({@link #evict}): the registry holds the
 * targets of the route table plus those removed recently, not every target ever routed to.
 */
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

    /** Deployments (targets) with a {@code nexus_circuit_breaker_state} gauge of their own, by default. */
    public static final int DEFAULT_MAX_DEPLOYMENTS = 200;

    private final ConcurrentHashMap<String, TargetHealth> health = new ConcurrentHashMap<>();
    /** The {@code nexus_circuit_breaker_state} gauges, by target key (at most maxDeployments). */
    private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, BreakerCounts> byLabel = new ConcurrentHashMap<>();
    private final TargetHealth.BreakerSettings breaker;
    private final Settings settings;
    private final MeterRegistry meters;
    private final int maxDeployments;
    private final AtomicInteger gauged = new AtomicInteger();
    private final Counter folded;

    @Inject
    public HealthRegistry(Settings settings, MeterRegistry meters,
                          @ConfigProperty(name = "nexus.metrics.max-deployments", defaultValue = "" + DEFAULT_MAX_DEPLOYMENTS) int maxDeployments) {
        if (maxDeployments < 0) {
            throw new IllegalArgumentException("nexus.metrics.max-deployments (NEXUS_METRICS_MAX_DEPLOYMENTS) must be 0 or more, not "
                    + maxDeployments);
        }
        this.settings = settings;
        this.meters = meters;
        this.maxDeployments = maxDeployments;
        this.breaker = new TargetHealth.BreakerSettings(settings.breakerRequestVolume(), settings.breakerFailureRatio(),
                settings.breakerDelay(), settings.breakerSuccessThreshold());
        this.folded = Counter.builder("nexus.metrics.deployments.folded")
                .description("Deployments without a gauge of their own because nexus.metrics.max-deployments already had one")
                .register(meters);
    }

    /** With the default bound ({@value #DEFAULT_MAX_DEPLOYMENTS} deployments). */
    public HealthRegistry(Settings settings, MeterRegistry meters) {
        this(settings, meters, DEFAULT_MAX_DEPLOYMENTS);
    }

    /**
     * The health of a target's key, created on first use. Found through the target's memo when it holds one not
     * evicted since (the hot path: no lookup by key); otherwise looked up (and its provider name brought up to date, a
     * renamed provider coming as a new target object) and memoised on the target.
     */
    public TargetHealth of(Target target) {
        TargetHealth h = target.health();
        if (h != null && !h.evicted()) {
            return h;
        }
        h = health.get(target.key());
        if (h == null) {
            h = health.computeIfAbsent(target.key(), key -> create(key, target));
        } else {
            h.provider(target.deployment().providerName());
        }
        target.health(h);
        return h;
    }

    /** Runs once per target (inside computeIfAbsent): its health, its provider's counts, and a gauge while any is left. */
    private TargetHealth create(String key, Target target) {
        String label = target.label();
        BreakerCounts counts = byLabel.computeIfAbsent(label, l -> new BreakerCounts(l, meters));
        TargetHealth h = new TargetHealth(key, target.deployment().id(), target.deployment().providerName(),
                target.deployment().region(), label, breaker, counts);
        if (gauged.getAndUpdate(n -> n < maxDeployments ? n + 1 : n) < maxDeployments) {
            gauges.put(key, Gauge.builder("nexus.circuit.breaker.state", h, HealthRegistry::stateValue)
                    .description("Circuit breaker per deployment: 0 closed, 1 half-open, 2 open")
                    .tag("provider", label).tag("deployment", key)
                    .register(meters));
        } else {
            folded.increment();
        }
        return h;
    }

    /**
     * Drops a target (one that left the route table a while ago): it leaves the per-provider counts, its gauge (if it
     * had one) is removed and its place given to the next new target. A request that still holds it only updates an
     * object nobody reads; the next route to its key starts a new one (breaker closed, counters at 0).
     */
    public boolean evict(TargetHealth h) {
        if (!health.remove(h.key(), h)) {
            return false;
        }
        h.evict();
        Gauge gauge = gauges.remove(h.key());
        if (gauge != null) {
            meters.remove(gauge);
            gauged.decrementAndGet();
        }
        return true;
    }

    /** Targets held (routed to, and not evicted). */
    public int size() {
        return health.size();
    }

    /** Targets with a {@code nexus_circuit_breaker_state} gauge of their own now (at most the bound). */
    public int gaugedDeployments() {
        return gauged.get();
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
