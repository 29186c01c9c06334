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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides whether a request may go: one atomic Lua call ({@code admit.lua}) in Redis per request, shared by all
 * gateway replicas, so a limit of L admits L whatever the number of replicas. Each event loop keeps its own
 * Redis connection; the admissions that arrive together are written to it as one pipelined batch, and the answers
 * come back on the same thread. When Redis does not
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

    public RateLimiter(Vertx vertx, GatewayConfig config, RedisConfig redis, MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config.limits();
        this.meters = meters;
        this.cluster = redis.cluster();
        this.client = Redis.createClient(vertx, redis.options()
                .setMaxPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors() * 2)).setMaxPoolWaiting(1024)
                .setMaxWaitingHandlers(65_536).setPoolName("nexus-limits"));
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

    /** One admission waiting for its batch. */
    private record Pending(Charge charge, long now, Promise<Decision> result) {
    }

    /**
     * The admissions of one event loop: its own Redis connection (with the script loaded), and the requests that
     * arrived since the last flush, sent together as one pipelined write when the loop has handled its current
     * I/O — so that concurrent requests share system calls instead of paying one round of them each.
     */
    private final class Lane {
        final Context context;
        Future<RedisConnection> connection;
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
                    any |= p.result().tryComplete(decideLocally(p.charge(), p.now()));
                }
                if (any) {
                    redisFailed("no answer within " + config.redisTimeout().toMillis() + " ms");
                }
            });
            Future<RedisConnection> conn = connection();
            if (cluster) {
                flushToCluster(conn, batch, timer);
                return;
            }
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
         * A batch on a Redis Cluster, where a pipelined batch must stay on one slot: each admission is sent on its
         * own (the cluster connection routes it to its shard; those of one shard still share its connection), and an
         * admission with both tenant and deployment-wide limits is two scripts sent at once (see {@link #admitOnCluster}).
         */
        void flushToCluster(Future<RedisConnection> conn, List<Pending> batch, long timer) {
            List<Future<Decision>> answers = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                answers.add(conn.compose(c -> admitOnCluster(c, p.charge(), p.now())));
            }
            Future.join(answers).onComplete(all -> {
                vertx.cancelTimer(timer);
                boolean any = false;
                String why = null;
                for (int i = 0; i < batch.size(); i++) {
                    Pending p = batch.get(i);
                    Future<Decision> answer = answers.get(i);
                    if (answer.succeeded()) {
                        p.result().tryComplete(answer.result());
                    } else {
                        any |= p.result().tryComplete(decideLocally(p.charge(), p.now()));
                        why = answer.cause().getMessage();
                    }
                }
                if (why == null && !redisUp) {
                    redisUp = true;
                    local.redisBack();
                    LOG.info("Redis answers again: limits are shared by all gateways once more");
                } else if (why != null) {
                    if (any) {
                        redisFailed(why);
                    }
                    dropConnection(conn);
                }
            });
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
     * One admission on a Redis Cluster. A request's key and tenant limits are on its tenant's shard; deployment-wide
     * limits, which every tenant shares, are on the namespace's shard. With both, the two parts are two scripts sent
     * at once, and a part that admitted is released when the other refused (or failed), so that neither count ever
     * holds a request that did not go: no limit is exceeded; a request may be refused while another's refused half
     * is still being released (docs/architecture.md, "Redis Cluster").
     */
    private Future<Decision> admitOnCluster(RedisConnection conn, Charge c, long now) {
        boolean tenant = c.tenantLimited();
        boolean deployments = !c.candidates().isEmpty();
        if (!tenant || !deployments) {
            return run(conn, c, now, tenant, deployments).map(r -> parse(c, r));
        }
        Future<Decision> mine = run(conn, c, now, true, false).map(r -> parse(c, r));
        Future<Decision> shared = run(conn, c, now, false, true).map(r -> parse(c, r));
        return Future.join(mine, shared).transform(ar -> {
            boolean mineIn = mine.succeeded() && mine.result().admitted();
            boolean sharedIn = shared.succeeded() && shared.result().admitted();
            if (mineIn && sharedIn) {
                Decision d = mine.result();
                return Future.succeededFuture(new Decision(d.verdict(), shared.result().index(), d.retryMs(), d.reqLimit(), d.reqRemaining(),
                        d.reqResetMs(), d.tokLimit(), d.tokRemaining(), d.tokResetMs(), false));
            }
            if (mineIn) {
                releaseTenantPart(conn, c);
            }
            if (sharedIn) {
                int chosen = shared.result().index();
                if (chosen >= 0 && c.candidates().get(chosen).rpm() > 0) {
                    conn.send(Request.cmd(Command.ZREM).arg(c.candidates().get(chosen).zset()).arg(c.requestId()))
                            .onFailure(e -> LOG.debugf("deployment admission not released (it leaves the window within a minute): %s",
                                    e.getMessage()));
                }
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
     * Takes back what admit.lua counted for a request on its tenant's shard: its quota reservation (settle.lua with
     * nothing used) and its window entries (release.lua). Sent by text: releases are rare, and a node may not know them.
     */
    private void releaseTenantPart(RedisConnection conn, Charge c) {
        if (c.quotaLimited()) {
            conn.send(Scripts.SETTLE.eval(2).arg(c.reservationsKey()).arg(c.reservationExpiriesKey()).arg(c.requestId()).arg(0).arg(0))
                    .onFailure(e -> LOG.debugf("reservation not released (it lapses on its own): %s", e.getMessage()));
        }
        if (c.windows().isEmpty()) {
            return;
        }
        Request r = Scripts.RELEASE.eval(2 * c.windows().size());
        for (Charge.Window win : c.windows()) {
            r.arg(win.zset()).arg(win.sum());
        }
        r.arg(c.requestId()).arg(c.tokens());
        for (Charge.Window win : c.windows()) {
            r.arg(win.tpm() >= 0 ? 1 : 0);
        }
        conn.send(r).onFailure(e -> LOG.debugf("window entries not released (they leave within a minute): %s", e.getMessage()));
    }

    /** One part of an admission by SHA, again by text if that shard does not know the script yet. */
    private Future<Response> run(RedisConnection conn, Charge c, long now, boolean tenant, boolean deployments) {
        return conn.send(request(c, now, tenant, deployments, false)).recover(e -> Scripts.noScript(e)
                ? conn.send(request(c, now, tenant, deployments, true)) : Future.failedFuture(e));
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

    @PreDestroy
    void close() {
        lanes.values().forEach(l -> {
            Future<RedisConnection> f = l.connection;
            if (f != null && f.succeeded()) {
                f.result().close();
            }
        });
        client.close();
    }
}
