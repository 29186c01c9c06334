package io.nexusai.gateway.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides whether a request may go: one atomic Lua call ({@code admit.lua}) in Redis per request, shared by all
 * gateway replicas, so a limit of L admits L whatever the number of replicas. Each event loop keeps its own
 * Redis connection (requests on it are pipelined, answers come back on the same thread). When Redis does not
 * answer within {@code nexus.gateway.limits.redis-timeout}, this replica decides alone ({@link LocalLimiter})
 * and asks Redis again after {@code redis-retry}: requests never fail for lack of Redis.
 */
@ApplicationScoped
public class RateLimiter {
    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final long WINDOW_MS = 60_000;

    private final Vertx vertx;
    private final GatewayConfig.Limits config;
    private final Redis client;
    private final LocalLimiter local = new LocalLimiter();
    private final Map<Thread, Future<RedisConnection>> connections = new ConcurrentHashMap<>();
    private final Counter localDecisions;
    private final MeterRegistry meters;
    private volatile long askRedisAgainAtNanos;
    private volatile boolean redisUp = true;

    public RateLimiter(Vertx vertx, GatewayConfig config, RedisConfig redis, MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config.limits();
        this.meters = meters;
        this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())
                .setMaxPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors() * 2)).setMaxPoolWaiting(1024)
                .setMaxWaitingHandlers(65_536).setPoolName("nexus-limits"));
        this.localDecisions = Counter.builder("nexus.limiter.local.decisions")
                .description("Admissions decided by this replica alone because Redis did not answer").register(meters);
        Gauge.builder("nexus.limiter.redis.up", this, l -> l.redisUp ? 1 : 0)
                .description("1 while the shared limiter in Redis answers, 0 while this replica decides alone").register(meters);
    }

    /** Counts a refused request (metrics {@code nexus_limit_rejections_total{reason,scope}}). */
    public void rejected(String reason, String scope) {
        Counter.builder("nexus.limit.rejections").description("Requests refused by a rate limit, quota or budget")
                .tag("reason", reason).tag("scope", scope).register(meters).increment();
    }

    /** Decides on a request; never fails (Redis trouble means a local decision). Completes on the caller's thread when possible. */
    public Future<Decision> admit(Charge c) {
        long now = System.currentTimeMillis();
        if (!redisUp && System.nanoTime() < askRedisAgainAtNanos) {
            return Future.succeededFuture(decideLocally(c, now));
        }
        Promise<Decision> result = Promise.promise();
        long timer = vertx.setTimer(config.redisTimeout().toMillis(), id -> {
            if (result.tryComplete(decideLocally(c, now))) {
                redisFailed("no answer within " + config.redisTimeout().toMillis() + " ms");
            }
        });
        Request evalsha = request(c, now, false);
        connection().compose(conn -> conn.send(evalsha).recover(e -> {
            if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                return conn.send(request(c, now, true));
            }
            return Future.failedFuture(e);
        })).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                Decision d = parse(c, ar.result());
                if (!redisUp) {
                    redisUp = true;
                    local.redisBack();
                    LOG.info("Redis answers again: limits are shared by all gateways once more");
                }
                result.tryComplete(d);
            } else {
                if (result.tryComplete(decideLocally(c, now))) {
                    redisFailed(ar.cause().getMessage());
                }
                connections.remove(Thread.currentThread());
            }
        });
        return result.future();
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

    private Future<RedisConnection> connection() {
        Thread thread = Thread.currentThread();
        Future<RedisConnection> existing = connections.get(thread);
        if (existing != null && !existing.failed()) {
            return existing;
        }
        Future<RedisConnection> opened = client.connect().onSuccess(conn -> {
            conn.exceptionHandler(e -> connections.remove(thread));
            conn.endHandler(v -> connections.remove(thread));
        }).onFailure(e -> connections.remove(thread));
        connections.put(thread, opened);
        return opened;
    }

    private Request request(Charge c, long now, boolean withText) {
        int w = c.windows().size();
        boolean reserve = c.quotaLimited();
        int q = reserve ? c.quotas().size() : 0;
        int d = c.candidates().size();
        int keys = 2 + 2 * w + q + d;
        Request r = withText ? Scripts.ADMIT.eval(keys) : Scripts.ADMIT.evalsha(keys);
        r.arg(c.reservationsKey()).arg(c.reservationExpiriesKey());
        for (Charge.Window win : c.windows()) {
            r.arg(win.zset()).arg(win.sum());
        }
        for (int i = 0; i < q; i++) {
            r.arg(c.quotas().get(i).key());
        }
        for (Charge.Candidate cand : c.candidates()) {
            r.arg(cand.zset());
        }
        r.arg(now).arg(c.requestId()).arg(WINDOW_MS).arg(c.reservationExpiresAtMs()).arg(c.tokens()).arg(c.costNanos())
                .arg(w).arg(q).arg(d);
        for (Charge.Window win : c.windows()) {
            r.arg(win.rpm()).arg(win.tpm());
        }
        for (int i = 0; i < q; i++) {
            Charge.Quota quota = c.quotas().get(i);
            r.arg(quota.tokenLimit()).arg(quota.costLimitNanos()).arg(quota.ttlSeconds());
        }
        for (Charge.Candidate cand : c.candidates()) {
            r.arg(cand.rpm());
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
        connections.values().forEach(f -> {
            if (f.succeeded()) {
                f.result().close();
            }
        });
        client.close();
    }
}
