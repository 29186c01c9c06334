package io.nexusai.gateway.security;

import io.nexusai.api.auth.RequestSignature;
import io.nexusai.service.config.PlatformSecrets;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.inject.Singleton;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers request signatures for the signing window so that each can be used once, across every gateway
 * replica ({@code SET <sig> NX EX 300} in Redis). When Redis is unreachable the gateway falls back to this
 * replica's own memory, so signed requests keep working, replays to the same replica are still refused.
 */
@Singleton
public class ReplayGuard {
    private final Redis redis;
    private final io.nexusai.api.events.RedisNames names;
    private final ConcurrentHashMap<String, Long> local = new ConcurrentHashMap<>();

    public ReplayGuard(Redis redis, PlatformSecrets secrets) {
        this.redis = redis;
        this.names = secrets.redisNames();
    }

    /** Completes with {@code true} the first time a signature is seen within the window, {@code false} after. */
    public Future<Boolean> firstUse(String signature) {
        String key = names.replayKey(signature);
        return redis.send(Request.cmd(Command.SET).arg(key).arg("1").arg("NX").arg("EX").arg(RequestSignature.MAX_SKEW_SECONDS * 2))
                .map(reply -> reply != null && "OK".equals(reply.toString()))
                .recover(e -> Future.succeededFuture(firstUseLocally(signature)));
    }

    private boolean firstUseLocally(String signature) {
        long now = System.currentTimeMillis();
        long window = RequestSignature.MAX_SKEW_SECONDS * 2000;
        if (local.size() > 100_000) {
            local.values().removeIf(seen -> now - seen > window);
        }
        Long previous = local.putIfAbsent(signature, now);
        if (previous != null && now - previous > window) {
            local.put(signature, now);
            return true;
        }
        return previous == null;
    }
}
