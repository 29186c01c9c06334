package io.nexusai.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} application a real Redis ({@link RedisProvider}) and a namespace of its own,
 * through {@code nexus.redis.url} and {@code nexus.redis.namespace}.
 */
public class RedisTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile String url;
    private static volatile String namespace;

    @Override
    public Map<String, String> start() {
        url = RedisProvider.shared().url();
        namespace = "test-" + PostgresProvider.randomSuffix();
        return Map.of("nexus.redis.url", url, "nexus.redis.namespace", namespace);
    }

    @Override
    public void stop() {
    }

    public static String url() {
        return url;
    }

    public static String namespace() {
        return namespace;
    }
}
