package io.nexusai.admin.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Publishes {@link ConfigChange} events on the Redis config channel after a write has committed. A lost event
 * is not fatal: every listener also resynchronises periodically.
 */
@ApplicationScoped
public class ConfigEventPublisher {
    private static final Logger LOG = Logger.getLogger(ConfigEventPublisher.class);
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;
    private final String channel;

    public ConfigEventPublisher(ReactiveRedisDataSource redis, ObjectMapper mapper, PlatformSecrets secrets) {
        this.redis = redis;
        this.mapper = mapper;
        this.channel = secrets.redisNames().configChannel();
    }

    public Uni<Void> publish(ConfigChange change) {
        String json;
        try {
            json = mapper.writeValueAsString(change);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return redis.pubsub(String.class).publish(channel, json)
                .onFailure().invoke(e -> LOG.warnf("config change %s v%d not published (%s); listeners will catch up on resync",
                        change.kind().wire(), change.version(), e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
