package io.nexusai.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A Redis of the test's own (an embedded real redis-server on a free port) that the test can stop and start
 * again on the same port, to test behaviour through a Redis outage. Exposed like {@link RedisTestResource}.
 */
public class StoppableRedisTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile int port;
    private static volatile RedisProvider.Server server;
    private static volatile String namespace;

    @Override
    public Map<String, String> start() {
        port = Ports.free();
        server = RedisProvider.startEmbedded(port);
        namespace = "outage-" + PostgresProvider.randomSuffix();
        return Map.of("nexus.redis.url", server.url(), "nexus.redis.namespace", namespace);
    }

    @Override
    public void stop() {
        stopRedis();
    }

    /** Stops the Redis server (its data is gone). */
    public static synchronized void stopRedis() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Starts a fresh Redis server on the same port. */
    public static synchronized void startRedis() {
        if (server == null) {
            server = RedisProvider.startEmbedded(port);
        }
    }

    public static String url() {
        return "redis://127.0.0.1:" + port;
    }

    public static String namespace() {
        return namespace;
    }
}
