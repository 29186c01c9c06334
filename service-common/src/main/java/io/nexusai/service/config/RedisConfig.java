package io.nexusai.service.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where Redis is and which names we use in it ({@code nexus.redis.*}). */
@ConfigMapping(prefix = "nexus.redis")
public interface RedisConfig {
    /**
     * Redis URL, e.g. {@code redis://localhost:6379} ({@code NEXUS_REDIS_URL}); with {@link #clientType()}
     * {@code cluster}, the URLs of some of the cluster's nodes, comma-separated (the others are discovered).
     */
    @WithDefault("redis://localhost:6379")
    String url();

    /**
     * {@code standalone} (one Redis, the default) or {@code cluster} (a Redis Cluster: keys are routed to the shard of
     * their hash slot) ({@code NEXUS_REDIS_CLIENT_TYPE}).
     */
    @WithDefault("standalone")
    ClientType clientType();

    enum ClientType {
        STANDALONE, CLUSTER
    }

    /** Whether Redis is a cluster. */
    default boolean cluster() {
        return clientType() == ClientType.CLUSTER;
    }

    /** The node URLs of {@link #url()}. */
    default java.util.List<String> nodes() {
        return java.util.Arrays.stream(url().split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
    }

    /**
     * Options of a Vert.x Redis client of this Redis (standalone or cluster). Pub/sub needs one node instead:
     * see {@link #nodes()}.
     */
    default io.vertx.redis.client.RedisOptions options() {
        io.vertx.redis.client.RedisOptions o = new io.vertx.redis.client.RedisOptions();
        if (cluster()) {
            o.setType(io.vertx.redis.client.RedisClientType.CLUSTER);
            o.setEndpoints(new java.util.ArrayList<>(nodes()));
        } else {
            o.setConnectionString(url());
        }
        return o;
    }

    /** Namespace of every key and channel ({@code {namespace}:...}); lets installations and tests share a Redis. */
    @WithDefault("nexus")
    String namespace();

    /** Whether this service listens to config-change events (pub/sub). */
    @WithDefault("true")
    boolean subscribeConfigChanges();
}
