package io.nexusai.routing.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.RedisNames;
import io.nexusai.api.routing.HealthReports;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The product README's provider health matrix, merged from the reports every gateway publishes to Redis on change
 * ({@link HealthReports}): per target, requests and failures over the last {@code window} (from the growth of each
 * gateway's counters), the worst latency percentiles and the breaker states across gateways, for
 * {@code GET /admin/v1/providers/health} and the {@code nexus_provider_*} metrics.
 * <p>
 * Every {@code health-refresh} (2 s) it reads the gateways' heartbeats and follows the health stream from its last
 * id, a few entries (at most ~1,000 reports) per read; at start, and when a gateway's sequence numbers jump (the
 * stream was trimmed past this reader: a gap), it notes the stream's last id, reads the whole health hash with
 * {@code HSCAN} in pages of ~1,000 fields, then follows the stream from that id. So no reply and no merge step is
 * larger than a page, and the event loop is never held for long.
 * <p>
 * In memory, per target, each gateway's latest report and up to five window checkpoints ({@link Report}), ~150 bytes
 * a gateway; the matrix itself is built when asked for (at most once a second, not on an event loop). A gateway
 * heard of (heartbeat or report) more than a minute ago is stale: its reports are ignored; after ten minutes it is
 * forgotten, and its fields are deleted from Redis (in pages). Unreadable reports are deleted too.
 * <p>
 * Metrics: the first {@code nexus.metrics.max-deployments} targets seen get the five per-deployment
 * {@code nexus_provider_*} gauges; the others are counted in {@code nexus_metrics_deployments_folded_total}. Every
 * target, whatever the bound, counts in {@code nexus_provider_deployments{provider,health}}: three series per provider
 * (healthy, degraded, down), read from the matrix built last while it is less than a second old, so reading them builds
 * at most one matrix a second however many providers there are.
 */
@ApplicationScoped
public class HealthMatrix {
    private static final Logger LOG = Logger.getLogger(HealthMatrix.class);
    static final long STALE_MS = 60_000;
    static final long FORGET_MS = 600_000;
    /** Fields per HSCAN page and per HDEL. */
    static final int PAGE = 1000;
    /** Stream entries per XREAD: gateways put at most 250 reports in one. */
    static final int ENTRIES_PER_READ = 4;
    /** Window checkpoints per gateway and target: the window's far edge is known to a quarter of the window. */
    private static final int CHECKPOINTS = 4;
    private static final String[] BREAKERS = {"CLOSED", "HALF_OPEN", "OPEN"};
    /** {@link TargetHealth#status()} values, in the order of {@link #tally}'s counts: the {@code health} label. */
    static final List<String> HEALTH = List.of("healthy", "degraded", "down");

    /** One target's merged health. */
    public record TargetHealth(String target, long deploymentId, String provider, String region, String status, String breaker,
                               int gateways, int gatewaysWithBreakerOpen, long requests, long failures, double errorRate,
                               double p50Ms, double p95Ms, double p99Ms) {
    }

    /** The matrix: providers (rows) with their targets. */
    public record Matrix(String object, long generatedAtMs, long windowSeconds, Map<String, List<TargetHealth>> providers) {
    }

    /** A reporting gateway. Its {@code seq} is only touched by the refresh cycle. */
    static final class Gateway {
        final String name;
        volatile long lastSeenMs;
        long seq = -1;

        Gateway(String name) {
            this.name = name;
        }

        void seen(long atMs) {
            if (atMs > lastSeenMs) {
                lastSeenMs = atMs;
            }
        }
    }

    /**
     * One gateway's latest report on a target (immutable), with the window checkpoints: triplets (time bucket, growth
     * of requests since then, growth of failures since then), oldest first, one per bucket in which reports arrived —
     * the counters' value when the bucket began. The window's requests are the growth since the first checkpoint in
     * it; none there (no change for a window): 0.
     */
    record Report(Gateway gateway, long successes, long failures, double p50Ms, double p95Ms, double p99Ms, byte breaker,
                  long reportedAtMs, int bucket, int[] checkpoints) {
    }

    /** A target across gateways; written by the refresh cycle only, read by anyone. */
    static final class Target {
        final String key;
        volatile long deploymentId;
        volatile String provider;
        volatile String region;
        volatile Report[] reports = new Report[0];

        Target(String key) {
            this.key = key;
        }
    }

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final MeterRegistry meters;
    private final String hash;
    private final String stream;
    private final String heartbeats;
    private final Duration every;
    private final long windowMs;
    private final long bucketMs;
    private final long epochMs = System.currentTimeMillis();
    private final int maxDeployments;
    private final Counter folded;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Gateway> gateways = new ConcurrentHashMap<>();
    /** Targets with gauges (at most maxDeployments). */
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    /** Providers with {@code nexus_provider_deployments} gauges (all providers seen). */
    private final Set<String> counted = ConcurrentHashMap.newKeySet();
    /** The last stream id read; {@code null}: read the hash first (start, gap). */
    private String cursor;
    private volatile long version;
    private volatile long resyncs;
    private volatile CompletionStage<Void> running = CompletableFuture.completedFuture(null);
    private Matrix current = new Matrix("provider_health", 0, 0, Map.of());
    /** Targets of {@link #current} per provider, by health (indexed as {@link #HEALTH}). */
    private Map<String, int[]> tally = Map.of();
    private long currentVersion = -1;
    private long builds;
    private long timer = -1;

    @jakarta.inject.Inject
    public HealthMatrix(ReactiveRedisDataSource redis, ObjectMapper mapper, Vertx vertx, MeterRegistry meters, PlatformSecrets secrets,
                        @ConfigProperty(name = "nexus.routing.health-refresh", defaultValue = "2s") Duration every,
                        @ConfigProperty(name = "nexus.routing.health-window", defaultValue = "30s") Duration window,
                        @ConfigProperty(name = "nexus.metrics.max-deployments", defaultValue = "200") int maxDeployments) {
        this(redis, mapper, vertx, meters, secrets.redisNames(), every, window, maxDeployments);
    }

    HealthMatrix(ReactiveRedisDataSource redis, ObjectMapper mapper, Vertx vertx, MeterRegistry meters, RedisNames names,
                 Duration every, Duration window, int maxDeployments) {
        if (maxDeployments < 0) {
            throw new IllegalArgumentException("nexus.metrics.max-deployments (NEXUS_METRICS_MAX_DEPLOYMENTS) must be 0 or more, not "
                    + maxDeployments);
        }
        this.redis = redis;
        this.mapper = mapper;
        this.vertx = vertx;
        this.meters = meters;
        this.hash = names.healthHash();
        this.stream = names.healthStream();
        this.heartbeats = names.healthGateways();
        this.every = every;
        this.windowMs = window.toMillis();
        this.bucketMs = Math.max(250, windowMs / CHECKPOINTS);
        this.maxDeployments = maxDeployments;
        this.folded = Counter.builder("nexus.metrics.deployments.folded")
                .description("Deployments without gauges of their own because nexus.metrics.max-deployments already had them")
                .register(meters);
    }

    void start(@Observes StartupEvent event) {
        vertx.setTimer(1, id -> refresh());
        timer = vertx.setPeriodic(every.toMillis(), id -> {
            if (running.toCompletableFuture().isDone()) {
                refresh();
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * The matrix now: built from the merged reports when they changed or a second passed (the window moves on), else
     * the last one built. Not on an event loop: at 100,000 targets this takes a while.
     */
    public synchronized Matrix current() {
        long now = System.currentTimeMillis();
        if (currentVersion == version && now - current.generatedAtMs() < 1000) {
            return current;
        }
        long v = version;
        Map<String, List<TargetHealth>> providers = new TreeMap<>();
        Map<String, int[]> counts = new HashMap<>();
        for (Target t : targets.values()) {
            TargetHealth h = merge(t, now);
            if (h != null) {
                providers.computeIfAbsent(h.provider(), p -> new ArrayList<>()).add(h);
                counts.computeIfAbsent(h.provider(), p -> new int[HEALTH.size()])[HEALTH.indexOf(h.status())]++;
            }
        }
        providers.values().forEach(l -> l.sort(Comparator.comparing(TargetHealth::target)));
        current = new Matrix("provider_health", now, windowMs / 1000, new LinkedHashMap<>(providers));
        tally = counts;
        currentVersion = v;
        builds++;
        return current;
    }

    /**
     * Targets of a provider in one health state ({@link #HEALTH} index), every target counted whatever the gauge
     * bound: from the matrix built last while it is less than a second old, else from a new one. So the gauges of a
     * scrape read one matrix (two if it turns a second old during the scrape), and reading them builds at most one a
     * second, however many providers there are. Scrapes run on a worker thread, as {@link #current()} must.
     */
    synchronized int deployments(String provider, int health) {
        if (System.currentTimeMillis() - current.generatedAtMs() >= 1000) {
            current();
        }
        int[] counts = tally.get(provider);
        return counts == null ? 0 : counts[health];
    }

    /** Matrices built so far. */
    synchronized long builds() {
        return builds;
    }

    /** How often the health hash was read so far (at start, and after each gap in the stream). */
    long resyncs() {
        return resyncs;
    }

    /** One refresh cycle, after the one under way; completes when the state is up to date with Redis. */
    synchronized CompletionStage<Void> refresh() {
        CompletionStage<Void> next = running.handle((v, e) -> null)
                .thenCompose(v -> cycle().onFailure().invoke(e -> LOG.debugf("health reports unreadable: %s", e.getMessage()))
                        .onFailure().recoverWithNull().subscribeAsCompletionStage());
        running = next;
        return next;
    }

    private Uni<Void> cycle() {
        return readHeartbeats().chain(beats -> cursor == null ? resync() : follow())
                .chain(() -> forget(System.currentTimeMillis()));
    }

    private Uni<Map<String, String>> readHeartbeats() {
        return redis.hash(String.class, String.class, String.class).hgetall(heartbeats).map(beats -> {
            beats.forEach((name, value) -> {
                long at = HealthReports.heartbeatAt(value);
                if (at > 0) {
                    gateway(name).seen(at);
                }
            });
            return beats;
        });
    }

    private Gateway gateway(String name) {
        return gateways.computeIfAbsent(name, Gateway::new);
    }

    // ---- start and gaps: the stream's last id, then the hash in pages, then the stream from that id

    private Uni<Void> resync() {
        resyncs++;
        return redis.execute("XREVRANGE", stream, "+", "-", "COUNT", "1").map(r -> {
            Response last = r == null ? null : r.getDelegate();
            return last == null || last.size() == 0 ? "0-0" : last.get(0).get(0).toString();
        }).chain(tail -> readHeartbeats().chain(beats -> {
            // the sequence numbers at least as far as the tail: entries up to them are in the hash
            beats.forEach((name, value) -> {
                Gateway g = gateway(name);
                g.seq = Math.max(g.seq, HealthReports.heartbeatSeq(value));
            });
            return scan("0");
        }).invoke(() -> cursor = tail)).chain(this::follow);
    }

    private Uni<Void> scan(String from) {
        return redis.execute("HSCAN", hash, from, "COUNT", Integer.toString(PAGE)).chain(r -> {
            Response page = r.getDelegate();
            String next = page.get(0).toString();
            Response fields = page.get(1);
            long now = System.currentTimeMillis();
            List<String> unreadable = new ArrayList<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String field = fields.get(i).toString();
                TargetReport report = parse(fields.get(i + 1).toString());
                int bar = field.lastIndexOf('|');
                if (report == null || bar < 0 || report.target() == null || !field.substring(bar + 1).equals(report.target())) {
                    unreadable.add(field);
                    continue;
                }
                Gateway g = gateway(field.substring(0, bar));
                g.seen(report.reportedAtMs());
                apply(g, report, now);
            }
            Uni<Void> deleted = delete(unreadable);
            return "0".equals(next) ? deleted : deleted.chain(() -> scan(next));
        });
    }

    // ---- steady state: the stream from the cursor, a few entries at a time

    private Uni<Void> follow() {
        return redis.execute("XREAD", "COUNT", Integer.toString(ENTRIES_PER_READ), "STREAMS", stream, cursor).chain(r -> {
            Response reply = r == null ? null : r.getDelegate();
            Response entries = reply == null || reply.size() == 0 ? null : reply.isMap() ? reply.get(stream) : reply.get(0).get(1);
            if (entries == null || entries.size() == 0) {
                return Uni.createFrom().voidItem();
            }
            long now = System.currentTimeMillis();
            List<String> unreadable = new ArrayList<>();
            for (Response entry : entries) {
                if (!applyEntry(entry.get(1), now, unreadable)) {
                    LOG.debugf("health stream: entries missed (trimmed), reading the health hash again");
                    cursor = null;
                    return delete(unreadable).chain(this::resync);
                }
                cursor = entry.get(0).toString();
            }
            Uni<Void> deleted = delete(unreadable);
            return entries.size() < ENTRIES_PER_READ ? deleted : deleted.chain(this::follow);
        });
    }

    /** Applies one stream entry; {@code false} when its gateway's sequence number jumped (a gap). */
    private boolean applyEntry(Response fields, long now, List<String> unreadable) {
        Map<String, String> entry = new LinkedHashMap<>();
        if (fields.isMap()) {
            for (String k : fields.getKeys()) {
                entry.put(k, fields.get(k).toString());
            }
        } else {
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                entry.put(fields.get(i).toString(), fields.get(i + 1).toString());
            }
        }
        String name = entry.get(HealthReports.GATEWAY);
        if (name == null) {
            return true;
        }
        Gateway g = gateway(name);
        long seq = parseLong(entry.get(HealthReports.SEQ));
        if (seq > 0) {
            if (g.seq >= 0 && seq > g.seq + 1) {
                return false;
            }
            g.seq = Math.max(g.seq, seq);
        }
        g.seen(parseLong(entry.get(HealthReports.AT)));
        for (Map.Entry<String, String> e : entry.entrySet()) {
            if (!HealthReports.isTarget(e.getKey())) {
                continue;
            }
            if (HealthReports.REMOVED.equals(e.getValue())) {
                remove(g, e.getKey());
                continue;
            }
            TargetReport report = parse(e.getValue());
            if (report == null || !e.getKey().equals(report.target())) {
                unreadable.add(HealthReports.field(name, e.getKey()));
                continue;
            }
            g.seen(report.reportedAtMs());
            apply(g, report, now);
        }
        return true;
    }

    private TargetReport parse(String json) {
        try {
            return mapper.readValue(json, TargetReport.class);
        } catch (Exception e) {
            return null;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Uni<Void> delete(List<String> fields) {
        if (fields.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> args = new ArrayList<>(fields.size() + 1);
        args.add(hash);
        args.addAll(fields);
        return redis.execute("HDEL", args.toArray(String[]::new)).replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    // ---- the state

    private int bucket(long atMs) {
        return (int) Math.floorDiv(atMs - epochMs, bucketMs);
    }

    /** The first time bucket wholly inside the window ending now. */
    private int windowStart(long now) {
        return bucket(now - windowMs) + 1;
    }

    private void apply(Gateway g, TargetReport r, long now) {
        Target t = targets.get(r.target());
        if (t == null) {
            t = new Target(r.target());
            targets.put(r.target(), t);
            admit(t, r.provider());
        }
        if (!counted.contains(r.provider())) {
            count(r.provider());
        }
        Report[] reports = t.reports;
        int index = -1;
        for (int i = 0; i < reports.length; i++) {
            if (reports[i].gateway() == g) {
                index = i;
            }
        }
        Report old = index < 0 ? null : reports[index];
        if (old != null && r.reportedAtMs() < old.reportedAtMs()) {
            return; // an older report (the stream replayed after the hash)
        }
        Report next = next(old, g, r, now);
        Report[] updated = index < 0 ? java.util.Arrays.copyOf(reports, reports.length + 1) : reports.clone();
        updated[index < 0 ? reports.length : index] = next;
        t.deploymentId = r.deploymentId();
        t.provider = r.provider();
        t.region = r.region();
        t.reports = updated;
        version++;
    }

    /** The report after {@code r}, its checkpoints carried over (those still in the window) and grown. */
    private Report next(Report old, Gateway g, TargetReport r, long now) {
        long total = r.successes() + r.failures();
        int b = bucket(now);
        int first = windowStart(now);
        int[] cps;
        if (old == null || total < old.successes() + old.failures() || r.failures() < old.failures()) {
            if (old == null && r.sinceMs() > 0 && bucket(r.sinceMs()) >= first) {
                // first counted within the window: everything it counted so far belongs to the window
                cps = new int[]{bucket(r.sinceMs()), clamp(total), clamp(r.failures())};
            } else {
                // only a baseline: what it counted before is of unknown age
                cps = new int[]{b, 0, 0};
            }
        } else {
            long grown = total - (old.successes() + old.failures());
            long grownFailures = r.failures() - old.failures();
            int[] was = old.checkpoints();
            int kept = 0;
            for (int i = 0; i < was.length; i += 3) {
                if (was[i] >= first) {
                    kept++;
                }
            }
            boolean add = b != old.bucket();
            cps = new int[(kept + (add ? 1 : 0)) * 3];
            int j = 0;
            for (int i = 0; i < was.length; i += 3) {
                if (was[i] >= first) {
                    cps[j] = was[i];
                    cps[j + 1] = clamp(was[i + 1] + grown);
                    cps[j + 2] = clamp(was[i + 2] + grownFailures);
                    j += 3;
                }
            }
            if (add) {
                // the counters when this bucket began: the previous report's
                cps[j] = b;
                cps[j + 1] = clamp(grown);
                cps[j + 2] = clamp(grownFailures);
            }
        }
        return new Report(g, r.successes(), r.failures(), r.p50Ms(), r.p95Ms(), r.p99Ms(), breaker(r.breaker()),
                r.reportedAtMs(), b, cps);
    }

    private static int clamp(long n) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, n));
    }

    private static byte breaker(String state) {
        return (byte) ("OPEN".equals(state) ? 2 : "HALF_OPEN".equals(state) ? 1 : 0);
    }

    private void remove(Gateway g, String target) {
        Target t = targets.get(target);
        if (t == null) {
            return;
        }
        Report[] reports = t.reports;
        List<Report> left = new ArrayList<>(reports.length);
        for (Report r : reports) {
            if (r.gateway() != g) {
                left.add(r);
            }
        }
        if (left.size() == reports.length) {
            return;
        }
        t.reports = left.toArray(Report[]::new);
        if (left.isEmpty()) {
            targets.remove(target);
        }
        version++;
    }

    /** Gateways not heard of for ten minutes: their reports go, from memory and (in pages) from Redis. */
    private Uni<Void> forget(long now) {
        List<Gateway> gone = new ArrayList<>();
        for (Gateway g : gateways.values()) {
            if (now - g.lastSeenMs > FORGET_MS) {
                gone.add(g);
            }
        }
        if (gone.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> fields = new ArrayList<>();
        for (Target t : List.copyOf(targets.values())) {
            for (Report r : t.reports) {
                if (gone.contains(r.gateway())) {
                    fields.add(HealthReports.field(r.gateway().name, t.key));
                    remove(r.gateway(), t.key);
                }
            }
        }
        gone.forEach(g -> gateways.remove(g.name));
        LOG.debugf("forgot %d gateways (%d health reports)", gone.size(), fields.size());
        Uni<Void> chain = redis.execute("HDEL", java.util.stream.Stream.concat(java.util.stream.Stream.of(heartbeats),
                gone.stream().map(g -> g.name)).toArray(String[]::new)).replaceWithVoid().onFailure().recoverWithNull().replaceWithVoid();
        for (int from = 0; from < fields.size(); from += PAGE) {
            List<String> page = fields.subList(from, Math.min(fields.size(), from + PAGE));
            chain = chain.chain(() -> delete(page));
        }
        return chain;
    }

    // ---- merging and metrics

    /** A target's health across the gateways that are not stale; {@code null} when none is left. */
    TargetHealth merge(Target t, long now) {
        long requests = 0;
        long failures = 0;
        double p50 = -1;
        double p95 = -1;
        double p99 = -1;
        int live = 0;
        int open = 0;
        int halfOpen = 0;
        int first = windowStart(now);
        for (Report r : t.reports) {
            if (now - r.gateway().lastSeenMs > STALE_MS) {
                continue;
            }
            live++;
            int[] cps = r.checkpoints();
            for (int i = 0; i < cps.length; i += 3) {
                if (cps[i] >= first) {
                    requests += cps[i + 1];
                    failures += cps[i + 2];
                    break;
                }
            }
            p50 = Math.max(p50, r.p50Ms());
            p95 = Math.max(p95, r.p95Ms());
            p99 = Math.max(p99, r.p99Ms());
            if (r.breaker() == 2) {
                open++;
            } else if (r.breaker() == 1) {
                halfOpen++;
            }
        }
        if (live == 0) {
            return null;
        }
        double errorRate = requests == 0 ? 0 : (double) failures / requests;
        String breaker = BREAKERS[open > 0 ? 2 : halfOpen > 0 ? 1 : 0];
        String status = open == live ? "down" : open > 0 || halfOpen > 0 || errorRate >= 0.5 ? "degraded" : "healthy";
        return new TargetHealth(t.key, t.deploymentId, t.provider, t.region, status, breaker, live, open,
                requests, failures, errorRate, p50, p95, p99);
    }

    /** The merged health of one target now, or {@code null}. */
    TargetHealth health(String target) {
        Target t = targets.get(target);
        return t == null ? null : merge(t, System.currentTimeMillis());
    }

    /** A new target: gauges of its own while fewer than the bound have them (or if it had them before), else folded. */
    private void admit(Target t, String provider) {
        if (gauged.contains(t.key)) {
            return;
        }
        if (gauged.size() >= maxDeployments) {
            folded.increment();
            return;
        }
        gauged.add(t.key);
        String target = t.key;
        register("nexus.provider.requests.window", "Attempts in the health window, all gateways", provider, target, h -> h.requests());
        register("nexus.provider.error.ratio", "Failed share of attempts in the health window", provider, target, TargetHealth::errorRate);
        register("nexus.provider.breaker.open.gateways", "Gateways whose circuit breaker for this target is open", provider, target,
                h -> h.gatewaysWithBreakerOpen());
        register("nexus.provider.latency.p99.ms", "Worst 99th percentile time to first byte across gateways", provider, target,
                TargetHealth::p99Ms);
        register("nexus.provider.up", "1 when the target is healthy or degraded, 0 when down", provider, target,
                h -> "down".equals(h.status()) ? 0 : 1);
    }

    /** A new provider: its three {@code nexus_provider_deployments} gauges, one per health state. */
    private void count(String provider) {
        if (!counted.add(provider)) {
            return;
        }
        for (int i = 0; i < HEALTH.size(); i++) {
            int health = i;
            Gauge.builder("nexus.provider.deployments", this, m -> m.deployments(provider, health))
                    .description("Deployments (targets) of the provider in this health state across gateways, all of them whatever "
                            + "nexus.metrics.max-deployments")
                    .tag("provider", provider).tag("health", HEALTH.get(i))
                    .register(meters);
        }
    }

    private void register(String name, String description, String provider, String target, ToDoubleFunction<TargetHealth> value) {
        Gauge.builder(name, this, m -> {
                    TargetHealth h = m.health(target);
                    return h == null ? Double.NaN : value.applyAsDouble(h);
                })
                .description(description)
                .tag("provider", provider).tag("deployment", target)
                .register(meters);
    }

    /** Targets with gauges of their own so far (at most {@code nexus.metrics.max-deployments}). */
    int gaugedDeployments() {
        return gauged.size();
    }

    /** Targets held in memory. */
    int targets() {
        return targets.size();
    }
}
