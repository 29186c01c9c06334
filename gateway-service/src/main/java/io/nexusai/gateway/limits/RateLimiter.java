package io.nexusai.gateway.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.RedisConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides whether a request may go: one atomic Lua call ({@code admit.lua}) in Redis per request, shared by all
 * gateway replicas, so a limit of L admits L whatever the number of replicas. Each event loop keeps its own
 * Redis connection; the admissions that arrive together are written to it as one pipelined batch, and the answers
 * come back on the same thread. On a Redis Cluster each event loop keeps one plain connection per master, and the
 * admissions of a tick go as one batch per master (grouped by the slot map, {@link ClusterSlots}). When Redis does not
 * answer within {@code nexus.gateway.limits.redis-timeout}, this replica decides alone ({@link LocalLimiter})
 * and asks Redis again after {@code redis-retry}: requests never fail for lack of Redis.
 */
@Singleton
public class RateLimiter {
    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final long WINDOW_MS = 60_000;

    private final Vertx vertx;
    private final GatewayConfig.Limits config;
    private final Redis client;
    private final boolean cluster;
    private final LocalLimiter local = new LocalLimiter();
    private final Map<Thread, Lane> lanes = new ConcurrentHashMap<>();
    /** Rejection counters by reason and scope (a handful of constants each). */
    private final Map<String, Map<String, Counter>> rejections = new ConcurrentHashMap<>();
    private final Counter localDecisions;
    private final MeterRegistry meters;
    private volatile long askRedisAgainAtNanos;
    private volatile boolean redisUp = true;
    private volatile Context offLoopContext;
    /** On a cluster: the slot map, and a plain (standalone) client per master, by endpoint. */
    private final ClusterSlots slots;
    private final Map<String, Redis> masterClients = new ConcurrentHashMap<>();
    private final io.vertx.redis.client.RedisOptions masterOptions;
    /** Batches sent to masters, and parts sent again after a redirection (for tests). */
    final AtomicLong clusterBatches = new AtomicLong();
    final AtomicLong redirected = new AtomicLong();

    public RateLimiter(Vertx vertx, GatewayConfig config, RedisConfig redis, MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config.limits();
        this.meters = meters;
        this.cluster = redis.cluster();
        this.client = Redis.createClient(vertx, redis.options()
                .setMaxPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors() * 2)).setMaxPoolWaiting(1024)
                .setMaxWaitingHandlers(65_536).setPoolName("nexus-limits"));
        this.slots = cluster ? new ClusterSlots(client, redis.nodes().get(0)) : null;
        this.masterOptions = new io.vertx.redis.client.RedisOptions(redis.options())
                .setType(io.vertx.redis.client.RedisClientType.STANDALONE)
                .setMaxPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors() * 2)).setMaxPoolWaiting(1024)
                .setMaxWaitingHandlers(65_536).setPoolName("nexus-limits-master");
        this.localDecisions = Counter.builder("nexus.limiter.local.decisions")
                .description("Admissions decided by this replica alone because Redis did not answer").register(meters);
        Gauge.builder("nexus.limiter.redis.up", this, l -> l.redisUp ? 1 : 0)
                .description("1 while the shared limiter in Redis answers, 0 while this replica decides alone").register(meters);
    }

    /** Counts a refused request (metrics {@code nexus_limit_rejections_total{reason,scope}}). */
    public void rejected(String reason, String scope) {
        // reasons and scopes are a handful of constants: one counter each, found again without the builder
        rejections.computeIfAbsent(reason, r -> new ConcurrentHashMap<>())
                .computeIfAbsent(scope, sc -> Counter.builder("nexus.limit.rejections")
                        .description("Requests refused by a rate limit, quota or budget")
                        .tag("reason", reason).tag("scope", sc).register(meters))
                .increment();
    }

    /** One admission waiting for its batch (touched only on its lane's event loop). */
    private static final class Pending {
        private final Charge charge;
        private final long now;
        private final Promise<Decision> result;
        /**
         * On a cluster: a part of it was refused because its slot is being moved between masters ({@code ASK},
         * {@code TRYAGAIN}). Decided locally after that, it says nothing about Redis as a whole.
         */
        boolean slotMoving;

        Pending(Charge charge, long now, Promise<Decision> result) {
            this.charge = charge;
            this.now = now;
            this.result = result;
        }

        Charge charge() {
            return charge;
        }

        long now() {
            return now;
        }

        Promise<Decision> result() {
            return result;
        }
    }

    /**
     * The admissions of one event loop: its own Redis connection (with the script loaded), and the requests that
     * arrived since the last flush, sent together as one pipelined write when the loop has handled its current
     * I/O — so that concurrent requests share system calls instead of paying one round of them each.
     */
    private final class Lane {
        final Context context;
        Future<RedisConnection> connection;
        /** On a cluster: this lane's plain connection to each master, by endpoint. */
        final Map<String, Future<RedisConnection>> masters = new HashMap<>();
        List<Pending> queue = new ArrayList<>();
        boolean flushScheduled;

        Lane(Context context) {
            this.context = context;
        }

        void add(Pending p) {
            queue.add(p);
            if (!flushScheduled) {
                flushScheduled = true;
                context.runOnContext(v -> flush());
            }
        }

        Future<RedisConnection> connection() {
            if (connection == null || connection.failed()) {
                // a cluster's nodes learn the script from their first NOSCRIPT answer (a keyless SCRIPT LOAD reaches one)
                Future<RedisConnection> opened = cluster ? client.connect() : client.connect().compose(conn -> conn.send(Scripts.ADMIT.load())
                        .map(loaded -> conn).onFailure(e -> conn.close()));
                opened.onSuccess(conn -> {
                    conn.exceptionHandler(e -> dropConnection(opened));
                    conn.endHandler(v -> dropConnection(opened));
                });
                connection = opened;
            }
            return connection;
        }

        void dropConnection(Future<RedisConnection> which) {
            if (connection == which) {
                connection = null;
            }
        }

        void flush() {
            flushScheduled = false;
            List<Pending> batch = queue;
            queue = new ArrayList<>();
            if (batch.isEmpty()) {
                return;
            }
            if (!redisUp && System.nanoTime() < askRedisAgainAtNanos) {
                batch.forEach(p -> p.result().tryComplete(decideLocally(p.charge(), p.now())));
                return;
            }
            long timer = vertx.setTimer(config.redisTimeout().toMillis(), id -> {
                boolean any = false;
                for (Pending p : batch) {
                    // an admission held up by a slot in motion is decided locally, but Redis is not given up for it
                    any |= p.result().tryComplete(decideLocally(p.charge(), p.now())) && !p.slotMoving;
                }
                if (any) {
                    redisFailed("no answer within " + config.redisTimeout().toMillis() + " ms");
                }
            });
            if (cluster) {
                flushToCluster(batch, timer);
                return;
            }
            Future<RedisConnection> conn = connection();
            List<Request> requests = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                requests.add(request(p.charge(), p.now(), true, true, false));
            }
            conn.compose(c -> c.batch(requests)).onComplete(ar -> {
                vertx.cancelTimer(timer);
                if (ar.succeeded()) {
                    if (!redisUp) {
                        redisUp = true;
                        local.redisBack();
                        LOG.info("Redis answers again: limits are shared by all gateways once more");
                    }
                    List<Response> answers = ar.result();
                    for (int i = 0; i < batch.size(); i++) {
                        Pending p = batch.get(i);
                        p.result().tryComplete(parse(p.charge(), answers.get(i)));
                    }
                } else {
                    boolean any = false;
                    for (Pending p : batch) {
                        any |= p.result().tryComplete(decideLocally(p.charge(), p.now()));
                    }
                    if (any) {
                        redisFailed(ar.cause().getMessage());
                    }
                    dropConnection(conn);
                }
            });
        }

        /**
         * A batch on a Redis Cluster: the tick's admissions (each one script, or two — tenant part and deployment part,
         * see {@link #combine}) grouped by the master that serves their slot ({@link ClusterSlots}), and sent as one
         * pipelined batch per master on this lane's own plain connection to it. A master that answers {@code MOVED},
         * {@code ASK} or {@code NOSCRIPT} for some of them gets those sent again one by one through the cluster
         * connection (which follows the redirection; the map is asked again after a {@code MOVED}); see
         * {@link #batchFailed}.
         */
        void flushToCluster(List<Pending> batch, long timer) {
            List<Part> parts = new ArrayList<>(batch.size() + 8);
            List<Future<Decision>> answers = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                Charge c = p.charge();
                boolean tenant = c.tenantLimited();
                boolean deployments = !c.candidates().isEmpty();
                if (!tenant || !deployments) {
                    Part only = new Part(p, tenant, deployments);
                    parts.add(only);
                    answers.add(only.decision());
                } else {
                    Part mine = new Part(p, true, false);
                    Part shared = new Part(p, false, true);
                    parts.add(mine);
                    parts.add(shared);
                    answers.add(combine(this, c, mine.decision(), shared.decision()));
                }
            }
            Future<String[]> map = slots.map();
            if (map.isComplete()) {
                send(parts, map);
            } else {
                // the lane's connections are its own thread's: the map asked for elsewhere is used back on it
                map.onComplete(ar -> context.runOnContext(v -> send(parts, map)));
            }
            // each admission goes on as soon as its own answer is there: a master that is slow to answer, or a slot
            // in the middle of a move (ASK, TRYAGAIN), holds back only the admissions it serves, not the whole tick
            for (int i = 0; i < batch.size(); i++) {
                Promise<Decision> result = batch.get(i).result();
                answers.get(i).onSuccess(result::tryComplete);
            }
            Future.join(answers).onComplete(all -> {
                vertx.cancelTimer(timer);
                boolean any = false;
                String why = null;
                for (int i = 0; i < batch.size(); i++) {
                    Pending p = batch.get(i);
                    Future<Decision> answer = answers.get(i);
                    if (answer.failed()) {
                        p.slotMoving |= slotMoving(answer.cause());
                        if (p.result().tryComplete(decideLocally(p.charge(), p.now())) && !p.slotMoving) {
                            any = true;
                            why = answer.cause().getMessage();
                        }
                    }
                }
                if (why == null && !redisUp) {
                    redisUp = true;
                    local.redisBack();
                    LOG.info("Redis answers again: limits are shared by all gateways once more");
                } else if (why != null && any) {
                    redisFailed(why);
                }
            });
        }

        void send(List<Part> parts, Future<String[]> map) {
            if (map.succeeded()) {
                sendByMaster(parts, map.result());
            } else {
                parts.forEach(part -> part.answer.tryFail(map.cause()));
            }
        }

        /** The parts grouped by master, one batch each; a part whose slot no master serves fails (local decision). */
        void sendByMaster(List<Part> parts, String[] map) {
            Map<String, List<Part>> byMaster = new LinkedHashMap<>();
            for (Part part : parts) {
                String master = map[part.slot];
                if (master == null) {
                    part.answer.tryFail("no master serves slot " + part.slot);
                    slots.refresh();
                } else {
                    byMaster.computeIfAbsent(master, m -> new ArrayList<>()).add(part);
                }
            }
            byMaster.forEach((master, group) -> {
                List<Request> requests = new ArrayList<>(group.size());
                for (Part part : group) {
                    requests.add(part.request(false));
                }
                clusterBatches.incrementAndGet();
                Future<RedisConnection> conn = masterConnection(master);
                conn.compose(c -> c.batch(requests)).onComplete(ar -> {
                    if (ar.succeeded()) {
                        List<Response> answers = ar.result();
                        for (int i = 0; i < group.size(); i++) {
                            group.get(i).answer.tryComplete(answers.get(i));
                        }
                    } else {
                        batchFailed(master, conn, group, ar.cause());
                    }
                });
            });
        }

        /**
         * A master's batch failed. A batch fails as a whole when any of its commands got an error ("ERR [i] ..." per
         * such command), and then the answers of the others are lost although they ran. When every error is a
         * redirection or an unknown script — commands Redis refused before running them — the refused ones are sent
         * again through the cluster connection (which follows {@code MOVED}, and {@code ASK} with {@code ASKING}),
         * and each of the others first has what it may have counted taken back ({@link #release}) and is then asked
         * again: every admission is counted once, as it would have been. Anything else (the connection lost, a script
         * error) fails the parts: the usual local decision, and the map is asked again (the master may have moved).
         */
        void batchFailed(String master, Future<RedisConnection> conn, List<Part> group, Throwable cause) {
            Map<Integer, String> errors = commandErrors(cause);
            boolean refusedOnly = !errors.isEmpty() && errors.values().stream()
                    .allMatch(e -> e.equals("MOVED") || e.equals("ASK") || e.equals("NOSCRIPT") || e.equals("TRYAGAIN"));
            if (!refusedOnly) {
                group.forEach(part -> part.answer.tryFail(cause));
                dropMasterConnection(master, conn);
                slots.refresh();
                return;
            }
            if (errors.containsValue("MOVED")) {
                slots.refresh();
            }
            if (errors.containsValue("NOSCRIPT")) {
                dropMasterConnection(master, conn); // the next connection loads the script on that node
            }
            for (int i = 0; i < group.size(); i++) {
                Part part = group.get(i);
                redirected.incrementAndGet();
                String error = errors.get(i);
                if ("ASK".equals(error) || "TRYAGAIN".equals(error)) {
                    part.pending.slotMoving = true;
                }
                if (error != null) {
                    resend(part);
                } else {
                    release(this, part.pending.charge(), part.tenant, part.deployments, -1).eventually(() -> {
                        resend(part);
                        return Future.succeededFuture();
                    });
                }
            }
        }

        /** One part by itself through the cluster connection (redirections followed), by text if the node lacks the script. */
        void resend(Part part) {
            connection().compose(c -> c.send(part.request(false)).recover(e -> Scripts.noScript(e)
                    ? c.send(part.request(true)) : Future.failedFuture(e))).onComplete(part.answer);
        }

        /** This lane's plain connection to a master, with the admission script loaded on that node. */
        Future<RedisConnection> masterConnection(String master) {
            Future<RedisConnection> f = masters.get(master);
            if (f == null || f.failed()) {
                Future<RedisConnection> opened = masterClient(master).connect().compose(conn -> conn.send(Scripts.ADMIT.load())
                        .map(loaded -> conn).onFailure(e -> conn.close()));
                opened.onSuccess(conn -> {
                    conn.exceptionHandler(e -> dropMasterConnection(master, opened));
                    conn.endHandler(v -> dropMasterConnection(master, opened));
                });
                masters.put(master, opened);
                f = opened;
            }
            return f;
        }

        void dropMasterConnection(String master, Future<RedisConnection> which) {
            if (masters.get(master) == which) {
                masters.remove(master);
                if (which.succeeded()) {
                    which.result().close();
                }
            }
        }
    }

    /** Whether Redis refused a command because its slot is being moved between masters ({@code ASK}, {@code TRYAGAIN}). */
    static boolean slotMoving(Throwable failure) {
        String m = failure == null ? null : failure.getMessage();
        return m != null && (m.startsWith("TRYAGAIN") || m.startsWith("ASK ") || m.contains("] TRYAGAIN") || m.contains("] ASK "));
    }

    /** The errors of a failed batch by command index ({@code "ERR [3] MOVED 1234 10.0.0.2:6379"} → 3: MOVED). */
    static Map<Integer, String> commandErrors(Throwable failure) {
        Map<Integer, String> errors = new java.util.HashMap<>();
        String m = failure == null ? null : failure.getMessage();
        if (m != null) {
            java.util.regex.Matcher e = COMMAND_ERROR.matcher(m);
            while (e.find()) {
                errors.put(Integer.parseInt(e.group(1)), e.group(2));
            }
        }
        return errors;
    }

    private static final java.util.regex.Pattern COMMAND_ERROR = java.util.regex.Pattern.compile("\\[(\\d+)]\\s*-?([A-Z]+)");

    /** One script of an admission on a cluster: its tenant part, its deployment part, or the whole of it. */
    private final class Part {
        final Pending pending;
        final boolean tenant;
        final boolean deployments;
        final int slot;
        final Promise<Response> answer = Promise.promise();

        Part(Pending pending, boolean tenant, boolean deployments) {
            this.pending = pending;
            this.tenant = tenant;
            this.deployments = deployments;
            Charge c = pending.charge();
            this.slot = ClusterSlots.slot(tenant ? c.reservationsKey() : c.deploymentReservationsKey());
        }

        Request request(boolean text) {
            return RateLimiter.this.request(pending.charge(), pending.now(), tenant, deployments, text);
        }

        Future<Decision> decision() {
            return answer.future().map(r -> parse(pending.charge(), r));
        }
    }

    /**
     * Decides on a request; never fails (Redis trouble means a local decision). Call it on an event loop: the
     * answer comes back on the same one.
     */
    public Future<Decision> admit(Charge c) {
        long now = System.currentTimeMillis();
        if (!redisUp && System.nanoTime() < askRedisAgainAtNanos) {
            return Future.succeededFuture(decideLocally(c, now));
        }
        Context current = Vertx.currentContext();
        Promise<Decision> result = Promise.promise();
        if (current == null || !Context.isOnEventLoopThread()) {
            // not on an event loop (tests, tools): hop onto one, whose lane takes it from there
            offLoop().runOnContext(v -> admit(c).onComplete(result));
            return result.future();
        }
        // one lane per event-loop thread (requests run on per-request duplicates of the loop's context)
        lanes.computeIfAbsent(Thread.currentThread(), t -> new Lane(current)).add(new Pending(c, now, result));
        return result.future();
    }

    private Context offLoop() {
        Context c = offLoopContext;
        if (c == null) {
            c = ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
            offLoopContext = c;
        }
        return c;
    }

    private Decision decideLocally(Charge c, long now) {
        localDecisions.increment();
        return local.admit(c, config.localShare(), now);
    }

    private void redisFailed(String why) {
        askRedisAgainAtNanos = System.nanoTime() + config.redisRetry().toNanos();
        if (redisUp) {
            redisUp = false;
            LOG.warnf("shared limiter unreachable (%s): this gateway enforces %.0f%% of each limit on its own until Redis answers",
                    why, config.localShare() * 100);
        }
    }

    /**
     * One admission on a Redis Cluster with both tenant and deployment-wide limits. A request's key and tenant limits
     * are on its tenant's shard; deployment-wide limits, which every tenant shares, are on the namespace's shard. The
     * two parts are two scripts sent in the same tick (each in its master's batch), and a part that admitted is
     * released when the other refused (or failed), so that neither count ever holds a request that did not go: no
     * limit is exceeded; a request may be refused while another's refused half is still being released
     * (docs/architecture.md, "Redis Cluster").
     */
    private Future<Decision> combine(Lane lane, Charge c, Future<Decision> mine, Future<Decision> shared) {
        return Future.join(mine, shared).transform(ar -> {
            boolean mineIn = mine.succeeded() && mine.result().admitted();
            boolean sharedIn = shared.succeeded() && shared.result().admitted();
            if (mineIn && sharedIn) {
                Decision d = mine.result();
                return Future.succeededFuture(new Decision(d.verdict(), shared.result().index(), d.retryMs(), d.reqLimit(), d.reqRemaining(),
                        d.reqResetMs(), d.tokLimit(), d.tokRemaining(), d.tokResetMs(), false));
            }
            if (mineIn) {
                release(lane, c, true, false, -1);
            }
            if (sharedIn) {
                release(lane, c, false, true, shared.result().index());
            }
            if (mine.failed()) {
                return Future.failedFuture(mine.cause());
            }
            if (shared.failed()) {
                return Future.failedFuture(shared.cause());
            }
            return Future.succeededFuture(mineIn ? shared.result() : mine.result());
        });
    }

    /**
     * Takes back what admit.lua may have counted for a request, through the lane's cluster connection: on its
     * tenant's shard ({@code tenant}) its quota reservation (settle.lua with nothing used) and its window entries
     * (release.lua); on the namespace's shard ({@code deployments}) its entry in the window of the deployment chosen
     * ({@code chosen}), or of every candidate when that is not known (-1). Each only removes what this request
     * counted, so taking back what was never counted changes nothing. Sent by text: releases are rare, and a node may
     * not know them. Never fails (what is not taken back leaves the windows within a minute, the reservation lapses).
     */
    private Future<Void> release(Lane lane, Charge c, boolean tenant, boolean deployments, int chosen) {
        List<Request> requests = new ArrayList<>();
        if (tenant) {
            if (c.quotaLimited()) {
                requests.add(Scripts.SETTLE.eval(2).arg(c.reservationsKey()).arg(c.reservationExpiriesKey()).arg(c.requestId()).arg(0).arg(0));
            }
            if (!c.windows().isEmpty()) {
                Request r = Scripts.RELEASE.eval(2 * c.windows().size());
                for (Charge.Window win : c.windows()) {
                    r.arg(win.zset()).arg(win.sum());
                }
                r.arg(c.requestId()).arg(c.tokens());
                for (Charge.Window win : c.windows()) {
                    r.arg(win.tpm() >= 0 ? 1 : 0);
                }
                requests.add(r);
            }
        }
        if (deployments) {
            for (int i = 0; i < c.candidates().size(); i++) {
                if ((chosen < 0 || chosen == i) && c.candidates().get(i).rpm() > 0) {
                    requests.add(Request.cmd(Command.ZREM).arg(c.candidates().get(i).zset()).arg(c.requestId()));
                }
            }
        }
        if (requests.isEmpty()) {
            return Future.succeededFuture();
        }
        Future<RedisConnection> conn = lane.connection();
        List<Future<Response>> sent = new ArrayList<>(requests.size());
        for (Request r : requests) {
            sent.add(conn.compose(x -> x.send(r)));
        }
        return Future.join(sent).transform(ar -> {
            if (ar.failed()) {
                LOG.debugf("admission not taken back (its window entries leave within a minute, its reservation lapses): %s",
                        ar.cause().getMessage());
            }
            return Future.<Void>succeededFuture();
        });
    }

    /**
     * The admit.lua call of a request: its tenant part (key and tenant windows, quotas), its deployments part
     * (candidates), or both (one Redis). {@code text}: by text rather than SHA.
     */
    private Request request(Charge c, long now, boolean tenant, boolean deployments, boolean text) {
        int w = tenant ? c.windows().size() : 0;
        boolean reserve = tenant && c.quotaLimited();
        int q = reserve ? c.quotas().size() : 0;
        int d = deployments ? c.candidates().size() : 0;
        int keys = 2 + 2 * w + q + d;
        Request r = Scripts.ADMIT.run(keys, text);
        if (tenant) {
            r.arg(c.reservationsKey()).arg(c.reservationExpiriesKey());
        } else {
            r.arg(c.deploymentReservationsKey()).arg(c.deploymentReservationExpiriesKey());
        }
        for (int i = 0; i < w; i++) {
            Charge.Window win = c.windows().get(i);
            r.arg(win.zset()).arg(win.sum());
        }
        for (int i = 0; i < q; i++) {
            r.arg(c.quotas().get(i).key());
        }
        for (int i = 0; i < d; i++) {
            r.arg(c.candidates().get(i).zset());
        }
        r.arg(now).arg(c.requestId()).arg(WINDOW_MS).arg(c.reservationExpiresAtMs()).arg(c.tokens()).arg(c.costNanos())
                .arg(w).arg(q).arg(d);
        for (int i = 0; i < w; i++) {
            Charge.Window win = c.windows().get(i);
            r.arg(win.rpm()).arg(win.tpm());
        }
        for (int i = 0; i < q; i++) {
            Charge.Quota quota = c.quotas().get(i);
            r.arg(quota.tokenLimit()).arg(quota.costLimitNanos()).arg(quota.ttlSeconds());
        }
        for (int i = 0; i < d; i++) {
            r.arg(c.candidates().get(i).rpm());
        }
        return r;
    }

    private Decision parse(Charge c, Response r) {
        Decision d = new Decision(r.get(0).toInteger(), r.get(1).toInteger(), r.get(2).toLong(), r.get(3).toLong(), r.get(4).toLong(),
                r.get(5).toLong(), r.get(6).toLong(), r.get(7).toLong(), r.get(8).toLong(), false);
        if (d.admitted()) {
            for (int i = 9, q = 0; i + 1 < r.size() && q < c.quotas().size(); i += 2, q++) {
                local.remember(c.quotas().get(q).key(), r.get(i).toLong(), r.get(i + 1).toLong());
            }
        }
        return d;
    }

    /** The plain client of one master of the cluster (its endpoint from the slot map). */
    private Redis masterClient(String master) {
        return masterClients.computeIfAbsent(master, m -> Redis.createClient(vertx,
                new io.vertx.redis.client.RedisOptions(masterOptions).setEndpoints(new ArrayList<>(List.of(m)))));
    }

    @PreDestroy
    void close() {
        lanes.values().forEach(l -> {
            Future<RedisConnection> f = l.connection;
            if (f != null && f.succeeded()) {
                f.result().close();
            }
            l.masters.values().forEach(m -> {
                if (m.succeeded()) {
                    m.result().close();
                }
            });
        });
        masterClients.values().forEach(Redis::close);
        client.close();
    }
}
