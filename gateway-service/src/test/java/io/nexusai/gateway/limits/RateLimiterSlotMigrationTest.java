package io.nexusai.gateway.limits;

import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisClusterTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A tenant's slot caught in the middle of a move between masters (a resharding): its keys are on the new master, but
 * the move is not finished, so the old master answers ASK and the new one TRYAGAIN (the admission script's keys are
 * not all there). Its admissions wait for the move and stay exact; the other tenants of the same batch are answered
 * at once and counted once. A move that outlasts {@code nexus.gateway.limits.redis-timeout} (2 s here) gets the
 * moving tenant's admissions decided locally, and only theirs: the gateway goes on asking Redis for everyone else.
 */
@QuarkusTest
@WithTestResource(RedisClusterTestResource.class)
@TestProfile(RateLimiterSlotMigrationTest.LongTimeout.class)
class RateLimiterSlotMigrationTest extends LimiterHarness {

    public static class LongTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.gateway.limits.redis-timeout", "2s");
        }
    }

    /** A tenant of five requests a minute, {@code used} of them admitted, and where its slot is and will go. */
    private record Mover(Principal tenant, String window, int slot, int from, int to) {
    }

    private Mover mover(RedisCluster cluster, int used) throws Exception {
        Principal p = principal(Limits.NONE, rpm(5));
        Charge first = charge(p, List.of());
        for (int i = 0; i < used; i++) {
            assertThat(admit(i == 0 ? first : charge(p, List.of())).admitted()).isTrue();
        }
        String window = first.windows().get(0).zset();
        int from = cluster.nodeOf(window);
        return new Mover(p, window, JedisClusterCRC16.getSlot(window), from, (from + 1) % 3);
    }

    @Test
    void aTenantsSlotCaughtMidMoveKeepsItsLimitExactAndItsNeighboursAreAnsweredAtOnceAndCountedOnce() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        Mover m = mover(cluster, 2);
        Principal p = m.tenant();
        // a neighbour: another tenant on the same master (another slot), whose admissions share the tick's batch
        Principal q;
        do {
            q = principal(Limits.NONE, rpm(3));
        } while (cluster.nodeOf(charge(q, List.of()).reservationsKey()) != m.from()
                || JedisClusterCRC16.getSlot(charge(q, List.of()).reservationsKey()) == m.slot());
        Principal neighbour = q;
        long redirectedBefore = limiter.redirected.get();

        SlotMoves.start(cluster, m.slot(), m.from(), m.to());
        boolean finished = false;
        try {
            List<Charge> mine = new ArrayList<>();
            List<Charge> theirs = new ArrayList<>();
            List<Charge> charges = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                mine.add(charge(p, List.of()));
                theirs.add(charge(neighbour, List.of()));
                charges.add(mine.get(i));
                charges.add(theirs.get(i));
            }
            List<CompletableFuture<Decision>> answers = admitInOneTick(charges);
            List<CompletableFuture<Decision>> pAnswers = new ArrayList<>();
            List<CompletableFuture<Decision>> qAnswers = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                (i % 2 == 0 ? pAnswers : qAnswers).add(answers.get(i));
            }
            // the old master refused p's part of the batch (ASK) and ran the neighbour's: those were taken back,
            // asked again, and answered, while p's still wait for the move
            await().atMost(Duration.ofSeconds(10)).until(() -> qAnswers.stream().allMatch(CompletableFuture::isDone));
            assertThat(pAnswers).as("the moving tenant's admissions wait for the move").noneMatch(CompletableFuture::isDone);
            SlotMoves.finish(cluster, m.slot(), m.from(), m.to());
            finished = true;

            List<Decision> pDecisions = new ArrayList<>();
            for (CompletableFuture<Decision> a : pAnswers) {
                pDecisions.add(a.get(20, TimeUnit.SECONDS));
            }
            List<Decision> qDecisions = qAnswers.stream().map(CompletableFuture::join).toList();
            for (Decision d : pDecisions) {
                assertThat(d.local()).as("decided by Redis, not locally").isFalse();
            }
            for (Decision d : qDecisions) {
                assertThat(d.local()).as("decided by Redis, not locally").isFalse();
            }
            assertThat(pDecisions.stream().filter(Decision::admitted).count()).as("five a minute, two admitted before the move")
                    .isEqualTo(3);
            assertThat(qDecisions.stream().filter(Decision::admitted).count()).as("the neighbour's three a minute, each counted once")
                    .isEqualTo(3);
            assertThat(pDecisions).filteredOn(d -> !d.admitted()).allSatisfy(d -> assertThat(d.verdict()).isEqualTo(Decision.REQUESTS));
            assertThat(qDecisions).filteredOn(d -> !d.admitted()).allSatisfy(d -> assertThat(d.verdict()).isEqualTo(Decision.REQUESTS));
            assertThat(limiter.redirected.get()).isGreaterThan(redirectedBefore);
            try (Jedis j = new Jedis("127.0.0.1", cluster.ports().get(m.to()))) {
                assertThat(j.zcard(m.window())).as("the window on its new master").isEqualTo(5);
            }
            assertThat(redis.sortedSet(String.class).zcard(theirs.get(0).windows().get(0).zset())).isEqualTo(3);
            assertThat(admit(charge(p, List.of())).verdict()).isEqualTo(Decision.REQUESTS);
            assertThat(admit(charge(neighbour, List.of())).verdict()).isEqualTo(Decision.REQUESTS);
        } finally {
            if (!finished) {
                SlotMoves.finish(cluster, m.slot(), m.from(), m.to());
            }
            SlotMoves.move(cluster, m.slot(), m.to(), m.from()); // the shared cluster's slots as RedisCluster.nodeOf knows them
        }
    }

    @Test
    void aMoveThatOutlastsTheRedisTimeoutIsDecidedLocallyForItsTenantOnly() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        Mover m = mover(cluster, 1);
        Principal p = m.tenant();

        SlotMoves.start(cluster, m.slot(), m.from(), m.to());
        boolean finished = false;
        try {
            // held up by the move past the timeout: decided by this replica alone
            Decision held = admitInOneTick(List.of(charge(p, List.of()))).getFirst().get(30, TimeUnit.SECONDS);
            assertThat(held.local()).isTrue();
            assertThat(held.admitted()).as("its share of five a minute").isTrue();
            // every other tenant is still decided by Redis, on every master, at once
            for (int i = 0; i < 6; i++) {
                assertThat(admit(charge(principal(Limits.NONE, rpm(5)), List.of())).admitted()).isTrue();
            }
            SlotMoves.finish(cluster, m.slot(), m.from(), m.to());
            finished = true;
            // and the moved tenant again once the move is done (the window on its new master: one, and any late
            // count of the admission decided locally, never more than the two sent)
            Decision after = admit(charge(p, List.of()));
            assertThat(after.admitted()).isTrue();
            try (Jedis j = new Jedis("127.0.0.1", cluster.ports().get(m.to()))) {
                assertThat(j.zcard(m.window())).isBetween(2L, 3L);
            }
        } finally {
            if (!finished) {
                SlotMoves.finish(cluster, m.slot(), m.from(), m.to());
            }
            SlotMoves.move(cluster, m.slot(), m.to(), m.from()); // the shared cluster's slots as RedisCluster.nodeOf knows them
        }
    }
}
