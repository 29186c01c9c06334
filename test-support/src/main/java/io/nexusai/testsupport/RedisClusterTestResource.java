package io.nexusai.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} application a real three-master Redis Cluster ({@link RedisCluster#shared()}) in
 * cluster mode ({@code nexus.redis.client-type=cluster}) and a namespace of its own.
 */
public class RedisClusterTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile String namespace;

    @Override
    public Map<String, String> start() {
        namespace = "cluster-" + PostgresProvider.randomSuffix();
        return Map.of("nexus.redis.url", RedisCluster.shared().url(), "nexus.redis.client-type", "cluster",
                "nexus.redis.namespace", namespace);
    }

    @Override
    public void stop() {
    }

    public static String namespace() {
        return namespace;
    }
}
