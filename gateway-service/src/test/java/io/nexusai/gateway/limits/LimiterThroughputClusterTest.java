package io.nexusai.gateway.limits;

import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisClusterTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import java.util.List;

/** {@link LimiterThroughput} against a three-master Redis Cluster (runs only with {@code -Dnexus.bench.limiter=true}). */
@QuarkusTest
@WithTestResource(RedisClusterTestResource.class)
class LimiterThroughputClusterTest extends LimiterThroughput {
    @Override
    String label() {
        return "cluster-3";
    }

    @Override
    List<Integer> redisPorts() {
        return RedisCluster.shared().ports();
    }
}
