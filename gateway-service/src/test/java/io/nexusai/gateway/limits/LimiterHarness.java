package io.nexusai.gateway.limits;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.RedisNames;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.config.RedisConfig;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What the limiter's tests share: the running gateway's limiter, tenants with fresh ids, and admissions. */
abstract class LimiterHarness {
    @Inject
    RateLimiter limiter;
    @Inject
    PlatformSecrets secrets;
    @Inject
    RedisDataSource redis;
    @Inject
    RedisConfig redisConfig;
    @Inject
    Vertx vertx;

    RedisNames names() {
        return secrets.redisNames();
    }

    static Principal principal(Limits key, Limits tenant) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        return new Principal("key_" + id, KeyLevel.APP, "t-" + id, null, key, tenant, null, null);
    }

    static Limits rpm(int rpm) {
        return new Limits(rpm, null, null, null, null, null);
    }

    Charge charge(Principal p, List<long[]> deployments) {
        return Charge.of(names(), "req_" + UUID.randomUUID(), p, System.currentTimeMillis(), deployments);
    }

    /** One admission, decided by Redis (asserted). */
    Decision admit(Charge c) throws Exception {
        CompletableFuture<Decision> f = new CompletableFuture<>();
        vertx.runOnContext(v -> limiter.admit(c).onComplete(ar -> f.complete(ar.result())));
        Decision d = f.get(10, TimeUnit.SECONDS);
        assertThat(d.local()).as("decided by the shared limiter in Redis, not by this replica alone").isFalse();
        return d;
    }

    /** Admissions asked for on one event loop in one tick (so one flush: one batch per master), each answered alone. */
    List<CompletableFuture<Decision>> admitInOneTick(List<Charge> charges) {
        List<CompletableFuture<Decision>> answers = new ArrayList<>();
        for (int i = 0; i < charges.size(); i++) {
            answers.add(new CompletableFuture<>());
        }
        vertx.runOnContext(v -> {
            for (int i = 0; i < charges.size(); i++) {
                CompletableFuture<Decision> answer = answers.get(i);
                limiter.admit(charges.get(i)).onComplete(ar -> answer.complete(ar.result()));
            }
        });
        return answers;
    }
}
