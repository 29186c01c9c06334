package io.nexusai.gateway.responses;

import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisClusterTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stored responses' contract on a real three-master Redis Cluster, and what is particular to it: each tenant's
 * responses on its own slot (the one of its limiter keys), so that they spread over the masters with the tenants
 * instead of all filling the namespace's.
 */
@QuarkusTest
@WithTestResource(RedisClusterTestResource.class)
class ResponseStoreClusterTest extends ResponseStoreContract {

    @Test
    void responsesOfDifferentTenantsLandOnDifferentMasters() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        String namespace = RedisClusterTestResource.namespace();
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String tenant = newTenant();
            String id = put(tenant, "Question " + i, "Answer " + i);
            String key = names().storedResponse(tenant, id);
            assertThat(key).isEqualTo("{" + namespace + ":t:" + tenant + "}:resp:" + tenant + ":" + id);
            int master = cluster.nodeOf(key);
            assertThat(master).as("on the tenant's slot, with its limiter keys")
                    .isEqualTo(cluster.nodeOf(names().limiterWindow(tenant, "t", tenant)));
            try (Jedis node = new Jedis("127.0.0.1", cluster.ports().get(master))) {
                assertThat(node.exists(key)).as("stored on master %d itself", master).isTrue();
            }
            assertThat(redis.key().exists("{" + namespace + "}:resp:" + tenant + ":" + id))
                    .as("nothing under the namespace's tag").isFalse();
            masters.add(master);
        }
        assertThat(masters).as("30 tenants' responses on the three masters").hasSize(3);
    }
}
