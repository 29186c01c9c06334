package io.nexusai.gateway.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.service.config.PlatformSecrets;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Appends usage events to the Redis Stream that metering-service consumes ({@code XADD <stream> * e <json>}).
 * Fire and forget: the client never waits for it.
 */
@ApplicationScoped
public class UsageEmitter {
    private static final Logger LOG = Logger.getLogger(UsageEmitter.class);
    private final Redis redis;
    private final ObjectMapper mapper;
    private final String stream;

    public UsageEmitter(Redis redis, ObjectMapper mapper, PlatformSecrets secrets) {
        this.redis = redis;
        this.mapper = mapper;
        this.stream = secrets.redisNames().usageStream();
    }

    public void emit(UsageEvent event) {
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            LOG.errorf("usage event %s not serialisable: %s", event.requestId(), e.getMessage());
            return;
        }
        redis.send(Request.cmd(Command.XADD).arg(stream).arg("*").arg("e").arg(json))
                .onFailure(e -> LOG.errorf("usage event %s not recorded: %s", event.requestId(), e.getMessage()));
    }
}
