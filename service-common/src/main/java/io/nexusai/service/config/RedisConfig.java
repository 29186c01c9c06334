package io.nexusai.service.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where Redis is and which names we use in it ({@code nexus.redis.*}). */
@ConfigMapping(prefix = "nexus.redis")
public interface RedisConfig {
    /** Redis URL, e.g. {@code redis://localhost:6379} ({@code NEXUS_REDIS_URL}). */
    @WithDefault("redis://localhost:6379")
    String url();

    /** Namespace of every key and channel ({@code {namespace}:...}); lets installations and tests share a Redis. */
    @WithDefault("nexus")
    String namespace();

    /** Whether this service listens to config-change events (pub/sub). */
    @WithDefault("true")
    boolean subscribeConfigChanges();
}
