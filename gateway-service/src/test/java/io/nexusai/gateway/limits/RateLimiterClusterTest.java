package io.nexusai.gateway.limits;

import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisClusterTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limiter's contract on a real three-master Redis Cluster, and what is particular to it: tenants on different
 * shards, and deployment-wide limits (another shard) that stay exact with the tenant's limits because the part
 * that admitted is released when the other refused.
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
}
