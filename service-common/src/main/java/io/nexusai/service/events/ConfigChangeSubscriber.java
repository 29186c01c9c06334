package io.nexusai.service.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.config.RedisConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Subscribes to the config-change channel on a dedicated Redis connection and re-fires every
 * {@link ConfigChange} as a CDI event (on a Vert.x event loop: observers must not block). When the connection
 * drops it reconnects every two seconds; each (re)subscription fires {@link ConfigResync}, since events sent
 * while we were away are lost (pub/sub keeps nothing).
 */
@ApplicationScoped
public class ConfigChangeSubscriber {
    private static final Logger LOG = Logger.getLogger(ConfigChangeSubscriber.class);
    private static final long RECONNECT_DELAY_MS = 2000;

    private final Vertx vertx;
    private final RedisConfig redisConfig;
    private final String channel;
    private final Event<ConfigChange> changes;
    private final Event<ConfigResync> resyncs;
    private final ObjectMapper mapper;
    private final boolean enabled;
    private Redis client;
    private volatile RedisConnection connection;
    private volatile boolean stopped;
    private volatile boolean subscribed;
    private int attempts;

    public ConfigChangeSubscriber(Vertx vertx, RedisConfig redisConfig, PlatformSecrets secrets,
                                  Event<ConfigChange> changes, Event<ConfigResync> resyncs, ObjectMapper mapper) {
        this.vertx = vertx;
        this.redisConfig = redisConfig;
        this.channel = secrets.redisNames().configChannel();
        this.changes = changes;
        this.resyncs = resyncs;
        this.mapper = mapper;
        this.enabled = redisConfig.subscribeConfigChanges();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        connect();
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        RedisConnection c = connection;
        if (c != null) {
            c.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** Whether the subscription is live right now. */
    public boolean isSubscribed() {
        return subscribed;
    }

    /**
     * A client of one node: on a Redis Cluster every node delivers every PUBLISH (the cluster bus carries it), and
     * the Vert.x cluster client does not subscribe; each retry tries the next node of the list.
     */
    private Redis nextClient() {
        if (client != null) {
            client.close();
        }
        java.util.List<String> nodes = redisConfig.nodes();
        String node = nodes.get(Math.floorMod(attempts++, nodes.size()));
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(node).setMaxPoolSize(1));
        return client;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        nextClient().connect().onSuccess(conn -> {
            connection = conn;
            conn.handler(this::onMessage);
            conn.exceptionHandler(e -> retry("connection error: " + e.getMessage()));
            conn.endHandler(v -> retry("connection closed"));
            conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onSuccess(r -> {
                subscribed = true;
                LOG.debugf("subscribed to %s", channel);
                resyncs.fire(new ConfigResync("subscribed"));
            }).onFailure(e -> retry("subscribe failed: " + e.getMessage()));
        }).onFailure(e -> retry("cannot connect: " + e.getMessage()));
    }

    private void retry(String why) {
        if (stopped) {
            return;
        }
        if (subscribed) {
            LOG.warnf("config-change subscription lost (%s); retrying every %d ms", why, RECONNECT_DELAY_MS);
        }
        subscribed = false;
        RedisConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        vertx.setTimer(RECONNECT_DELAY_MS, id -> connect());
    }

    private void onMessage(Response message) {
        if (message == null || (message.type() != ResponseType.PUSH && message.type() != ResponseType.MULTI)
                || message.size() < 3 || !"message".equals(message.get(0).toString())) {
            return;
        }
        ConfigChange change;
        try {
            change = mapper.readValue(message.get(2).toString(), ConfigChange.class);
        } catch (Exception e) {
            LOG.warnf("ignoring malformed config-change event (%s)", e.getClass().getSimpleName());
            return;
        }
        try {
            changes.fire(change);
        } catch (RuntimeException e) {
            LOG.errorf(e, "a listener failed on config change %s", change.kind());
        }
    }
}
