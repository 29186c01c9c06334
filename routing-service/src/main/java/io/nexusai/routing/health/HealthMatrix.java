package io.nexusai.routing.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The product README's provider health matrix: every few seconds, the reports every gateway published to Redis
 * are merged per target — requests and failures over the last {@code window} (from the growth of each gateway's
 * counters), the worst latency percentiles and the breaker states across gateways — and kept in memory for
 * {@code GET /admin/v1/providers/health} and the {@code nexus_provider_*} metrics. Reports older than a minute
 * (a gateway that stopped) are ignored, and dropped from Redis after ten.
 */
@ApplicationScoped
public class HealthMatrix {
    private static final Logger LOG = Logger.getLogger(HealthMatrix.class);
    private static final long STALE_MS = 60_000;
    private static final long FORGET_MS = 600_000;

    /** One target's merged health. */
    public record TargetHealth(String target, long deploymentId, String provider, String region, String status, String breaker,
                               int gateways, int gatewaysWithBreakerOpen, long requests, long failures, double errorRate,
                               double p50Ms, double p95Ms, double p99Ms) {
    }

    /** The matrix: providers (rows) with their targets. */
    public record Matrix(String object, long generatedAtMs, long windowSeconds, Map<String, List<TargetHealth>> providers) {
    }

    private record Sample(long atMs, long successes, long failures) {
    }

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final MeterRegistry meters;
    private final String hash;
    private final Duration every;
    private final Duration window;
    private final Map<String, Deque<Sample>> history = new HashMap<>();
    private final Map<String, TargetHealth> gaugeValues = new ConcurrentHashMap<>();
    private volatile Matrix current = new Matrix("provider_health", 0, 0, Map.of());
    private long timer = -1;

    public HealthMatrix(ReactiveRedisDataSource redis, ObjectMapper mapper, Vertx vertx, MeterRegistry meters, PlatformSecrets secrets,
                        @ConfigProperty(name = "nexus.routing.health-refresh", defaultValue = "2s") Duration every,
                        @ConfigProperty(name = "nexus.routing.health-window", defaultValue = "30s") Duration window) {
        this.redis = redis;
        this.mapper = mapper;
        this.vertx = vertx;
        this.meters = meters;
        this.hash = secrets.redisNames().healthHash();
        this.every = every;
        this.window = window;
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(every.toMillis(), id -> refresh());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    public Matrix current() {
        return current;
    }

    void refresh() {
        redis.hash(String.class, String.class, String.class).hgetall(hash).subscribe().with(this::merge,
                e -> LOG.debugf("health reports unreadable: %s", e.getMessage()));
    }

    private synchronized void merge(Map<String, String> fields) {
        long now = System.currentTimeMillis();
        Map<String, List<TargetReport>> byTarget = new TreeMap<>();
        List<String> forgotten = new ArrayList<>();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            TargetReport r;
            try {
                r = mapper.readValue(f.getValue(), TargetReport.class);
            } catch (Exception e) {
                forgotten.add(f.getKey());
                continue;
            }
            if (now - r.reportedAtMs() > FORGET_MS) {
                forgotten.add(f.getKey());
                continue;
            }
            if (now - r.reportedAtMs() > STALE_MS) {
                continue;
            }
            byTarget.computeIfAbsent(r.target(), k -> new ArrayList<>()).add(r);
            Deque<Sample> h = history.computeIfAbsent(f.getKey(), k -> new ArrayDeque<>());
            if (h.isEmpty() && r.sinceMs() > 0 && now - r.sinceMs() <= window.toMillis()) {
                // a target first counted within the window: everything it counted so far belongs to the window
                h.addLast(new Sample(r.sinceMs(), 0, 0));
            }
            h.addLast(new Sample(now, r.successes(), r.failures()));
            while (h.size() > 1 && now - h.peekFirst().atMs() > window.toMillis()) {
                h.removeFirst();
            }
        }
        forgotten.forEach(history::remove);
        if (!forgotten.isEmpty()) {
            redis.hash(String.class, String.class, String.class).hdel(hash, forgotten.toArray(String[]::new))
                    .subscribe().with(n -> { }, e -> { });
        }
        Map<String, List<TargetHealth>> providers = new TreeMap<>();
        for (Map.Entry<String, List<TargetReport>> e : byTarget.entrySet()) {
            TargetHealth t = mergeTarget(e.getValue());
            providers.computeIfAbsent(t.provider(), p -> new ArrayList<>()).add(t);
            exportGauges(t);
        }
        providers.values().forEach(l -> l.sort(Comparator.comparing(TargetHealth::target)));
        current = new Matrix("provider_health", now, window.toSeconds(), new LinkedHashMap<>(providers));
    }

    private TargetHealth mergeTarget(List<TargetReport> reports) {
        long requests = 0;
        long failures = 0;
        double p50 = -1;
        double p95 = -1;
        double p99 = -1;
        int open = 0;
        int halfOpen = 0;
        for (TargetReport r : reports) {
            Deque<Sample> h = history.get(r.gateway() + "|" + r.target());
            if (h != null && !h.isEmpty()) {
                Sample first = h.peekFirst();
                Sample last = h.peekLast();
                long s = Math.max(0, last.successes() - first.successes());
                long f = Math.max(0, last.failures() - first.failures());
                requests += s + f;
                failures += f;
            }
            p50 = Math.max(p50, r.p50Ms());
            p95 = Math.max(p95, r.p95Ms());
            p99 = Math.max(p99, r.p99Ms());
            if ("OPEN".equals(r.breaker())) {
                open++;
            } else if ("HALF_OPEN".equals(r.breaker())) {
                halfOpen++;
            }
        }
        TargetReport any = reports.get(0);
        double errorRate = requests == 0 ? 0 : (double) failures / requests;
        String breaker = open > 0 ? "OPEN" : halfOpen > 0 ? "HALF_OPEN" : "CLOSED";
        String status = open == reports.size() ? "down" : open > 0 || halfOpen > 0 || errorRate >= 0.5 ? "degraded" : "healthy";
        return new TargetHealth(any.target(), any.deploymentId(), any.provider(), any.region(), status, breaker, reports.size(), open,
                requests, failures, errorRate, p50, p95, p99);
    }

    private void exportGauges(TargetHealth t) {
        if (gaugeValues.put(t.target(), t) != null) {
            return;
        }
        String target = t.target();
        register("nexus.provider.requests.window", "Attempts in the health window, all gateways", t, target, h -> h.requests());
        register("nexus.provider.error.ratio", "Failed share of attempts in the health window", t, target, TargetHealth::errorRate);
        register("nexus.provider.breaker.open.gateways", "Gateways whose circuit breaker for this target is open", t, target,
                h -> h.gatewaysWithBreakerOpen());
        register("nexus.provider.latency.p99.ms", "Worst 99th percentile time to first byte across gateways", t, target, TargetHealth::p99Ms);
        register("nexus.provider.up", "1 when the target is healthy or degraded, 0 when down", t, target,
                h -> "down".equals(h.status()) ? 0 : 1);
    }

    private void register(String name, String description, TargetHealth t, String target,
                          java.util.function.ToDoubleFunction<TargetHealth> value) {
        Gauge.builder(name, gaugeValues, m -> {
                    TargetHealth h = m.get(target);
                    return h == null ? Double.NaN : value.applyAsDouble(h);
                })
                .description(description)
                .tag("provider", t.provider()).tag("deployment", target)
                .register(meters);
    }
}
