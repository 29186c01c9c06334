package io.nexusai.gateway.limits;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.RedisNames;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.nexusai.service.config.RedisConfig;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared limiter's Lua scripts against a real Redis: exact windows, reservations, settlement, deployments; run
 * against one Redis ({@link RateLimiterTest}) and a three-master Redis Cluster ({@link RateLimiterClusterTest}).
 */
abstract class RateLimiterContract extends LimiterHarness {
    void settle(Charge c, long tokens, long cost) throws Exception {
        Request r = Scripts.settle(c.settlement(tokens, cost), true);
        assertThat(r).as("a settlement of a request charged to quotas").isNotNull();
        Redis client = Redis.createClient(vertx, redisConfig.options());
        try {
            client.send(r).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    @Test
    void aRequestsPerMinuteLimitAdmitsExactlyItsLimitWithOpenAiHeaderValues() throws Exception {
        Principal p = principal(rpm(5), Limits.NONE);
        for (int i = 0; i < 5; i++) {
            Decision d = admit(charge(p, List.of()));
            assertThat(d.admitted()).isTrue();
            assertThat(d.local()).isFalse();
            assertThat(d.reqLimit()).isEqualTo(5);
            assertThat(d.reqRemaining()).isEqualTo(4 - i);
            assertThat(d.reqResetMs()).isBetween(1L, 60_000L);
            assertThat(d.tokLimit()).isEqualTo(-1);
        }
        Decision refused = admit(charge(p, List.of())); // two in a window of one: the wait is for the newer, from ahead
        assertThat(refused.verdict()).isEqualTo(Decision.REQUESTS);
        assertThat(refused.retryMs()).isBetween(1L, 60_000L);
        assertThat(refused.reqRemaining()).isZero();
        // the tenant of another key is not touched
        assertThat(admit(charge(principal(rpm(5), Limits.NONE), List.of())).admitted()).isTrue();
    }

    @Test
    void concurrentAdmissionsFromManyEventLoopsNeverExceedTheLimit() throws Exception {
        Principal p = principal(Limits.NONE, rpm(20));
        List<CompletableFuture<Decision>> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            CompletableFuture<Decision> f = new CompletableFuture<>();
            Charge c = charge(p, List.of());
            vertx.getOrCreateContext().runOnContext(v -> limiter.admit(c).onComplete(ar -> f.complete(ar.result())));
            all.add(f);
        }
        AtomicInteger admitted = new AtomicInteger();
        for (CompletableFuture<Decision> f : all) {
            Decision d = f.get(10, TimeUnit.SECONDS);
            assertThat(d.local()).isFalse();
            if (d.admitted()) {
                admitted.incrementAndGet();
            }
        }
        assertThat(admitted.get()).isEqualTo(20);
    }

    @Test
    void aTokensPerMinuteLimitCountsReservedTokensAndRefusesWhatCanNeverFit() throws Exception {
        Principal p = principal(new Limits(null, 450, null, null, null, null), Limits.NONE);
        for (int i = 0; i < 4; i++) {
            Charge c = charge(p, List.of());
            c.reserve(100, 0, System.currentTimeMillis() + 60_000);
            Decision d = admit(c);
            assertThat(d.admitted()).isTrue();
            assertThat(d.tokLimit()).isEqualTo(450);
            assertThat(d.tokRemaining()).isEqualTo(450 - 100L * (i + 1));
        }
        Charge fifth = charge(p, List.of());
        fifth.reserve(100, 0, System.currentTimeMillis() + 60_000);
        Decision refused = admit(fifth);
        assertThat(refused.verdict()).isEqualTo(Decision.TOKENS);
        assertThat(refused.retryMs()).isBetween(1L, 60_000L);
        Charge huge = charge(principal(new Limits(null, 450, null, null, null, null), Limits.NONE), List.of());
        huge.reserve(451, 0, System.currentTimeMillis() + 60_000);
        assertThat(admit(huge).retryMs()).as("never fits").isEqualTo(-1);
    }

    @Test
    void quotasReserveTheWorstCaseAndSettlementReleasesWhatWasNotUsed() throws Exception {
        Principal p = principal(Limits.NONE, new Limits(null, null, 1000L, null, null, null));
        List<Charge> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Charge c = charge(p, List.of());
            c.reserve(300, 0, System.currentTimeMillis() + 600_000);
            assertThat(admit(c).admitted()).isTrue();
            admitted.add(c);
        }
        Charge fourth = charge(p, List.of());
        fourth.reserve(300, 0, System.currentTimeMillis() + 600_000);
        Decision refused = admit(fourth);
        assertThat(refused.verdict()).isEqualTo(Decision.TOKEN_QUOTA);
        assertThat(fourth.quotas().get(refused.index()).describe(false)).isEqualTo("daily token quota of the tenant");

        // the first used 100 of its 300: 200 come back
        settle(admitted.get(0), 100, 0);
        String dayKey = fourth.quotas().get(2).key();
        Map<String, String> counters = redis.hash(String.class).hgetall(dayKey);
        assertThat(counters).containsEntry("tu", "100").containsEntry("tr", "600");
        assertThat(admit(fourth).admitted()).isTrue();
        Charge fifth = charge(p, List.of());
        fifth.reserve(1, 0, System.currentTimeMillis() + 600_000);
        assertThat(admit(fifth).verdict()).as("100 used + 900 reserved").isEqualTo(Decision.TOKEN_QUOTA);
        // the key's own counters are charged too, without a limit
        assertThat(redis.hash(String.class).hget(fourth.quotas().get(0).key(), "tu")).isEqualTo("100");
    }

    @Test
    void costBudgetsCountInNanoUnitsAndReservationsOfDeadRequestsLapse() throws Exception {
        Principal p = principal(new Limits(null, null, null, null, null, new BigDecimal("0.000001")), Limits.NONE);
        Charge c = charge(p, List.of());
        c.reserve(10, 600, System.currentTimeMillis() - 1); // already lapsed: its gateway died before settling
        assertThat(admit(c).admitted()).isTrue();
        Charge next = charge(p, List.of());
        next.reserve(10, 600, System.currentTimeMillis() + 600_000);
        assertThat(admit(next).admitted()).as("the lapsed 600 were released").isTrue();
        Charge third = charge(p, List.of());
        third.reserve(10, 401, System.currentTimeMillis() + 600_000);
        Decision refused = admit(third);
        assertThat(refused.verdict()).isEqualTo(Decision.COST_BUDGET);
        assertThat(third.quotas().get(refused.index()).describe(true)).isEqualTo("monthly cost budget of the key");
    }

    @Test
    void theFirstDeploymentWithRoomIsChosenAndAllFullIsRefused() throws Exception {
        long a = 900_000 + (long) (Math.random() * 100_000);
        List<long[]> deployments = List.of(new long[]{a, 2}, new long[]{a + 1, 1});
        Principal p = principal(Limits.NONE, Limits.NONE);
        assertThat(admit(charge(p, deployments)).index()).isEqualTo(0);
        assertThat(admit(charge(p, deployments)).index()).isEqualTo(0);
        assertThat(admit(charge(p, deployments)).index()).isEqualTo(1);
        Decision full = admit(charge(p, deployments));
        assertThat(full.verdict()).isEqualTo(Decision.DEPLOYMENTS);
        assertThat(full.retryMs()).isBetween(1L, 60_000L);
        assertThat(admit(charge(p, List.of(new long[]{a, 2}, new long[]{a + 2, 0}))).index()).as("no limit: always room").isEqualTo(1);
    }

    @Test
    void entriesStampedByAGatewayWhoseClockRunsAheadNeverMakeTheWaitLongerThanTheWindow() throws Exception {
        // gateways stamp the requests they admit with their own clock: one running 5 s ahead of this one fills
        // the windows with entries from this gateway's future; the wait it tells its clients is still at most a minute
        long dep = 600_000 + (long) (Math.random() * 100_000);
        Principal p = principal(rpm(1), Limits.NONE);
        Charge first = charge(p, List.<long[]>of(new long[]{dep, 2}));
        assertThat(admit(first).admitted()).isTrue();
        long ahead = System.currentTimeMillis() + 5_000;
        redis.sortedSet(String.class).zadd(first.windows().get(0).zset(), ahead, "req_ahead-1");
        redis.sortedSet(String.class).zadd(first.candidates().get(0).zset(), ahead, "req_ahead-2");
        Decision refused = admit(charge(p, List.of()));
        assertThat(refused.verdict()).isEqualTo(Decision.REQUESTS);
        assertThat(refused.retryMs()).isBetween(1L, 60_000L);
        assertThat(refused.reqResetMs()).isBetween(1L, 60_000L);
        // the same for a deployment's window: the oldest entry is this gateway's own, the wait is for the one after it
        Decision full = admit(charge(principal(Limits.NONE, Limits.NONE), List.<long[]>of(new long[]{dep, 1})));
        assertThat(full.verdict()).isEqualTo(Decision.DEPLOYMENTS);
        assertThat(full.retryMs()).isBetween(1L, 60_000L);
    }

    @Test
    void withoutLimitsNothingNeedsAdmission() {
        Charge c = charge(principal(Limits.NONE, Limits.NONE), List.of(new long[]{1, 0}));
        assertThat(c.needsAdmission()).isFalse();
        assertThat(c.quotaLimited()).isFalse();
        Charge quota = charge(principal(Limits.NONE, new Limits(null, null, null, 5L, null, null)), List.of());
        assertThat(quota.quotaLimited()).isTrue();
        assertThat(quota.needsTokens()).isTrue();
        assertThat(quota.settlement(12, 34)).matches("req_\\S+ 12 34( \\S+ \\d+){4} \\.");
    }
}
