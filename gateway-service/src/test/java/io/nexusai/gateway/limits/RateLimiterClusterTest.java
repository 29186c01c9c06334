package io.nexusai.gateway.limits;

import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisClusterTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limiter's contract on a real three-master Redis Cluster, and what is particular to it: tenants on different
 * shards, and deployment-wide limits (another shard) that stay exact with the tenant's limits because the part
 * that admitted is released when the other refused; the admissions of a tick pipelined as one batch per master,
 * and a tenant's slot moved to another master while its limit holds exactly (and in the middle of the move:
 * {@link RateLimiterSlotMigrationTest}).
 */
@QuarkusTest
@WithTestResource(RedisClusterTestResource.class)
class RateLimiterClusterTest extends RateLimiterContract {

    @Test
    void tenantsSpreadOverTheShardsWhileARequestsKeysShareOneSlot() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        Set<Integer> nodes = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Principal p = principal(rpm(5), rpm(10));
            Charge c = charge(p, List.of());
            c.reserve(1, 0, System.currentTimeMillis() + 60_000);
            assertThat(admit(c).admitted()).isTrue();
            int node = cluster.nodeOf(c.windows().get(0).zset());
            assertThat(cluster.nodeOf(c.windows().get(1).zset())).isEqualTo(node);
            assertThat(cluster.nodeOf(c.reservationsKey())).isEqualTo(node);
            nodes.add(node);
        }
        assertThat(nodes).as("30 tenants on the three masters").hasSize(3);
    }

    @Test
    void aRequestRefusedByItsDeploymentLeavesNothingCountedForItsTenant() throws Exception {
        long dep = 800_000 + (long) (Math.random() * 100_000);
        // five requests a minute and a daily quota of 1,000 tokens, each request reserving 100
        Principal p = principal(Limits.NONE, new Limits(5, null, 1000L, null, null, null));
        for (int i = 0; i < 2; i++) {
            assertThat(admit(reserved(charge(p, List.<long[]>of(new long[]{dep, 2})))).admitted()).isTrue();
        }
        Charge third = reserved(charge(p, List.<long[]>of(new long[]{dep, 2})));
        assertThat(admit(third).verdict()).isEqualTo(Decision.DEPLOYMENTS);
        String window = third.windows().get(0).zset();
        String tenantDay = third.quotas().get(2).key();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.sortedSet(String.class).zcard(window)).isEqualTo(2);
            assertThat(redis.hash(String.class).hget(tenantDay, "tr")).isEqualTo("200");
        });
        // three more fit the tenant's five (on a deployment without a limit), then its limit holds exactly
        for (int i = 0; i < 3; i++) {
            assertThat(admit(reserved(charge(p, List.<long[]>of(new long[]{dep + 1, 0})))).admitted()).isTrue();
        }
        assertThat(admit(reserved(charge(p, List.<long[]>of(new long[]{dep + 1, 0})))).verdict()).isEqualTo(Decision.REQUESTS);
        assertThat(redis.hash(String.class).hget(tenantDay, "tr")).isEqualTo("500");
    }

    private static Charge reserved(Charge c) {
        c.reserve(100, 0, System.currentTimeMillis() + 600_000);
        return c;
    }

    @Test
    void aRequestRefusedByItsTenantLeavesNothingCountedForItsDeployment() throws Exception {
        long dep = 700_000 + (long) (Math.random() * 100_000);
        Principal p = principal(rpm(1), Limits.NONE);
        Charge first = charge(p, List.<long[]>of(new long[]{dep, 3}));
        assertThat(admit(first).admitted()).isTrue();
        assertThat(admit(charge(p, List.<long[]>of(new long[]{dep, 3}))).verdict()).isEqualTo(Decision.REQUESTS);
        String deployment = first.candidates().get(0).zset();
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.sortedSet(String.class).zcard(deployment) == 1);
        // the deployment's other two places are there for another tenant
        Principal other = principal(Limits.NONE, Limits.NONE);
        assertThat(admit(charge(other, List.<long[]>of(new long[]{dep, 3}))).admitted()).isTrue();
        assertThat(admit(charge(other, List.<long[]>of(new long[]{dep, 3}))).admitted()).isTrue();
        assertThat(admit(charge(other, List.<long[]>of(new long[]{dep, 3}))).verdict()).isEqualTo(Decision.DEPLOYMENTS);
    }

    @Test
    void theAdmissionsOfATickGoAsOneBatchPerMaster() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        admit(charge(principal(rpm(5), rpm(10)), List.of())); // the slot map and the lane's connections are there
        List<Charge> charges = new ArrayList<>();
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            Charge c = charge(principal(rpm(5), rpm(10)), List.of());
            charges.add(c);
            masters.add(cluster.nodeOf(c.reservationsKey()));
        }
        assertThat(masters).as("60 tenants on the three masters").hasSize(3);
        long before = limiter.clusterBatches.get();
        // on one event loop, in one tick: one lane, one flush
        CompletableFuture<List<Decision>> all = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            List<io.vertx.core.Future<Decision>> fs = new ArrayList<>();
            for (Charge c : charges) {
                fs.add(limiter.admit(c));
            }
            io.vertx.core.Future.all(fs).onComplete(ar -> all.complete(fs.stream().map(io.vertx.core.Future::result).toList()));
        });
        List<Decision> decisions = all.get(10, TimeUnit.SECONDS);
        assertThat(decisions).allSatisfy(d -> {
            assertThat(d.admitted()).isTrue();
            assertThat(d.local()).isFalse();
        });
        assertThat(limiter.clusterBatches.get() - before).as("60 admissions, one batch to each of the three masters").isEqualTo(3);
    }

    @Test
    void aTenantsSlotMovedToAnotherMasterKeepsItsLimitExact() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        Principal p = principal(Limits.NONE, rpm(5));
        Charge first = charge(p, List.of());
        for (int i = 0; i < 3; i++) {
            assertThat(admit(i == 0 ? first : charge(p, List.of())).admitted()).isTrue();
        }
        String window = first.windows().get(0).zset();
        int slot = JedisClusterCRC16.getSlot(window);
        int from = cluster.nodeOf(window);
        int to = (from + 1) % 3;
        long redirectedBefore = limiter.redirected.get();
        SlotMoves.move(cluster, slot, from, to);
        try {
            // the limiter's map still names the old master: MOVED, the map asked again, the admission sent again
            assertThat(admit(charge(p, List.of())).admitted()).isTrue();
            assertThat(admit(charge(p, List.of())).admitted()).isTrue();
            assertThat(admit(charge(p, List.of())).verdict()).as("five a minute, wherever the slot is").isEqualTo(Decision.REQUESTS);
            assertThat(limiter.redirected.get()).as("at least one admission redirected").isGreaterThan(redirectedBefore);
            assertThat(redis.sortedSet(String.class).zcard(window)).isEqualTo(5);
            try (Jedis j = new Jedis("127.0.0.1", cluster.ports().get(to))) {
                assertThat(j.zcard(window)).as("the window on its new master").isEqualTo(5);
            }
            // with the map refreshed, other tenants' admissions of the same tick still go one batch per master
            long before = limiter.clusterBatches.get();
            assertThat(admit(charge(principal(Limits.NONE, rpm(5)), List.of())).admitted()).isTrue();
            assertThat(limiter.clusterBatches.get() - before).isEqualTo(1);
        } finally {
            SlotMoves.move(cluster, slot, to, from); // the shared cluster's slots as RedisCluster.nodeOf knows them
        }
    }
}
