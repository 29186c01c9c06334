package io.nexusai.gateway.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.RedisNames;
import io.nexusai.api.routing.HealthReports;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Publishes this gateway's view of the targets it routes to — successes, failures, latency percentiles, breaker
 * state — to Redis, where routing-service builds the provider health matrix: every few seconds, only the targets
 * whose report changed since the last publish ({@link TargetHealth#changes()}), plus a heartbeat that keeps the
 * unchanged ones current ({@link HealthReports}: latest reports in the health hash, the changes on the health
 * stream, the heartbeat in the heartbeat hash; all in one pipelined batch, hash writes before the stream entry).
 * Breaker changes and new failures are always sent at once; of the targets whose only change is their successes and
 * latency, at most {@code nexus.gateway.health-report-max-targets} a publish, the longest unreported first, so that a
 * catalogue used evenly (100,000 targets, each touched every few seconds) costs a bounded number of reports a second
 * rather than about one per request. A target that left the route table is reported removed once (looked for at
 * most every ten seconds after the table changed, and every minute), and evicted from the {@link HealthRegistry}
 * once it has been out of the table for {@code nexus.gateway.retired-target-retention} (default 10 minutes; a
 * deployment removed and added back within that keeps its breaker), so that alias churn does not grow the heap;
 * nothing is built per tick for the unchanged targets. The work runs on a worker thread, one publish at a time. Best effort: a failed
 * publish is tried again at the next tick (the changes stay unpublished).
 */
@ApplicationScoped
public class HealthPublisher {
    private static final Logger LOG = Logger.getLogger(HealthPublisher.class);
    /** Reports per stream entry (and per HSET): a reader's page stays small however many targets changed. */
    static final int REPORTS_PER_ENTRY = 250;
    private static final long SWEEP_EVERY_MS = 60_000;

    private final HealthRegistry health;
    private final Supplier<RouteTable> routes;
    private final Redis redis;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final String hash;
    private final String stream;
    private final String heartbeats;
    private final String gateway;
    private final Duration every;
    private final int streamMaxLength;
    /** How long a target that left the route table is held (its breaker kept) before it is evicted (tests: 0). */
    long retiredRetentionMs = 600_000;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Sequence number of the last stream entry; only the publishing thread (one at a time) touches it and below. */
    private long seq;
    /**
     * Most reports of targets whose only change is their successes and latency one publish sends
     * ({@code nexus.gateway.health-report-max-targets}); breaker changes, new failures, removals and returns always go.
     */
    int maxCountReports = 1000;
    /** How long after a route table change targets that left it are looked for (tests: 0). */
    long sweepAfterChangeMs = 10_000;
    private long sweptVersion = Long.MIN_VALUE;
    private long sweptAtMs;
    private long timer = -1;

    @Inject
    public HealthPublisher(HealthRegistry health, RouteSnapshotStore routes, Redis redis, ObjectMapper mapper, Vertx vertx,
                           PlatformSecrets secrets, GatewayConfig config) {
        this(health, routes::table, redis, mapper, vertx, secrets.redisNames(), ManagementFactory.getRuntimeMXBean().getName(),
                config.healthReportEvery(), config.healthStreamMaxLength());
        if (config.retiredTargetRetention().isNegative()) {
            throw new IllegalArgumentException("nexus.gateway.retired-target-retention must not be negative, not "
                    + config.retiredTargetRetention());
        }
        this.retiredRetentionMs = config.retiredTargetRetention().toMillis();
        if (config.healthReportMaxTargets() < 1) {
            throw new IllegalArgumentException("nexus.gateway.health-report-max-targets must be at least 1, not "
                    + config.healthReportMaxTargets());
        }
        this.maxCountReports = config.healthReportMaxTargets();
    }

    HealthPublisher(HealthRegistry health, Supplier<RouteTable> routes, Redis redis, ObjectMapper mapper, Vertx vertx,
                    RedisNames names, String gateway, Duration every, int streamMaxLength) {
        this.health = health;
        this.routes = routes;
        this.redis = redis;
        this.mapper = mapper;
        this.vertx = vertx;
        this.hash = names.healthHash();
        this.stream = names.healthStream();
        this.heartbeats = names.healthGateways();
        this.gateway = gateway;
        this.every = every;
        this.streamMaxLength = streamMaxLength;
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(every.toMillis(), id -> publish());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The gateway name reports carry. */
    String gateway() {
        return gateway;
    }

    /**
     * One report's change: the target, its {@link TargetHealth#changes()}, {@link TargetHealth#stateChanges()} and
     * {@link TargetHealth#failures()} then, and its JSON ({@code ""}: removed).
     */
    private record Change(TargetHealth target, long changes, int stateChanges, long failures, String json) {
    }

    /** One publish; completes when Redis took it (or at once when a publish is still under way). */
    Future<Void> publish() {
        if (!busy.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(this::collect, false)
                .compose(changes -> {
                    if (changes == null) {
                        return Future.<Void>succeededFuture();
                    }
                    return redis.batch(commands(changes)).<Void>map(r -> {
                        long at = System.currentTimeMillis();
                        for (Change c : changes) {
                            c.target().published(c.changes(), c.stateChanges(), c.failures(), at);
                            c.target().retired(c.json().isEmpty());
                        }
                        return null;
                    });
                })
                .onFailure(e -> LOG.debugf("health report not published: %s", e.getMessage()))
                .onComplete(ar -> busy.set(false));
    }

    /** The changed reports (on a worker thread), or {@code null} before the first route table. */
    private List<Change> collect() {
        RouteTable table = routes.get();
        if (table == null) {
            return null;
        }
        long now = System.currentTimeMillis();
        Set<String> present = null;
        if (now - sweptAtMs >= SWEEP_EVERY_MS || table.version() != sweptVersion && now - sweptAtMs >= sweepAfterChangeMs) {
            present = new HashSet<>();
            for (RouteTable.Route r : table.routes()) {
                for (var t : r.targets()) {
                    present.add(t.key());
                }
            }
        }
        List<Change> changes = new ArrayList<>();
        List<TargetHealth> countsOnly = new ArrayList<>();
        for (TargetHealth h : health.all()) {
            long c = h.changes();
            if (present != null && !present.contains(h.key())) {
                if (h.absentSinceMs() < 0) {
                    h.absentSinceMs(now);
                }
                if (h.retired() ? c != h.published() : h.published() >= 0) { // never reported: nothing to remove
                    changes.add(new Change(h, c, h.stateChanges(), h.failures(), HealthReports.REMOVED));
                } else if (now - h.absentSinceMs() >= retiredRetentionMs) { // reported removed (or never reported)
                    health.evict(h);
                }
                continue;
            }
            if (present != null) {
                h.absentSinceMs(-1);
            }
            boolean back = present != null && h.retired(); // in the table again: report it even if unchanged
            if (c == h.published() && !back) {
                continue;
            }
            if (!back && h.stateChanges() == h.publishedStateChanges() && h.failures() == h.publishedFailures()) {
                countsOnly.add(h); // only its successes and latency changed: sent within the round's bound, below
                continue;
            }
            report(h, now, changes);
        }
        if (countsOnly.size() > maxCountReports) {
            // more than the bound: the longest unreported first (never reported ones before all), the rest wait for
            // the next rounds, so that every target is reported within (changed targets / bound) rounds
            countsOnly.sort(Comparator.comparingLong(TargetHealth::publishedAtMs));
            countsOnly = countsOnly.subList(0, maxCountReports);
        }
        for (TargetHealth h : countsOnly) {
            report(h, now, changes);
        }
        if (present != null) {
            sweptAtMs = now;
            sweptVersion = table.version();
        }
        return changes;
    }

    /** Adds the current report of a target to a publish's changes (its marks read before its figures). */
    private void report(TargetHealth h, long now, List<Change> changes) {
        long c = h.changes();
        int states = h.stateChanges();
        long failures = h.failures();
        double[] p = h.percentiles();
        TargetReport report = new TargetReport(gateway, h.key(), h.deploymentId(), h.provider(), h.region(),
                h.successes(), h.failures(), p.length == 0 ? -1 : p[0], p.length == 0 ? -1 : p[1], p.length == 0 ? -1 : p[2],
                h.breakerState().name(), now, h.sinceMillis());
        try {
            changes.add(new Change(h, c, states, failures, mapper.writeValueAsString(report)));
        } catch (JsonProcessingException e) {
            LOG.debugf("health report of %s not serialisable", h.key());
        }
    }

    /**
     * The batch of one publish: per slice of {@link #REPORTS_PER_ENTRY} changes, the latest reports into the hash
     * (HSET, HDEL for removed targets) and one stream entry; then the heartbeat with the last sequence number.
     */
    private List<Request> commands(List<Change> changes) {
        long now = System.currentTimeMillis();
        List<Request> commands = new ArrayList<>();
        for (int from = 0; from < changes.size(); from += REPORTS_PER_ENTRY) {
            List<Change> slice = changes.subList(from, Math.min(changes.size(), from + REPORTS_PER_ENTRY));
            Request hset = Request.cmd(Command.HSET).arg(hash);
            Request hdel = Request.cmd(Command.HDEL).arg(hash);
            Request xadd = Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(streamMaxLength).arg("*")
                    .arg(HealthReports.GATEWAY).arg(gateway).arg(HealthReports.SEQ).arg(++seq).arg(HealthReports.AT).arg(now);
            int set = 0;
            int deleted = 0;
            for (Change c : slice) {
                String field = HealthReports.field(gateway, c.target().key());
                if (c.json().isEmpty()) {
                    hdel.arg(field);
                    deleted++;
                } else {
                    hset.arg(field).arg(c.json());
                    set++;
                }
                xadd.arg(c.target().key()).arg(c.json());
            }
            if (set > 0) {
                commands.add(hset);
            }
            if (deleted > 0) {
                commands.add(hdel);
            }
            commands.add(xadd);
        }
        commands.add(Request.cmd(Command.HSET).arg(heartbeats).arg(gateway).arg(HealthReports.heartbeat(now, seq)));
        return commands;
    }
}
