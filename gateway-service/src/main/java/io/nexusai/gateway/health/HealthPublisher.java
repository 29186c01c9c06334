package io.nexusai.gateway.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Publishes this gateway's view of every target it has routed to — successes, failures, latency percentiles,
 * breaker state — to Redis every few seconds, where routing-service builds the provider health matrix.
 * Best effort: a missed report only makes the matrix a few seconds staler.
 */
@ApplicationScoped
public class HealthPublisher {
    private static final Logger LOG = Logger.getLogger(HealthPublisher.class);
    private final HealthRegistry health;
    private final RouteSnapshotStore routes;
    private final Redis redis;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final String hash;
    private final String gateway = ManagementFactory.getRuntimeMXBean().getName();
    private final Duration every;
    private long timer = -1;

    public HealthPublisher(HealthRegistry health, RouteSnapshotStore routes, Redis redis, ObjectMapper mapper, Vertx vertx,
                           PlatformSecrets secrets, @ConfigProperty(name = "nexus.gateway.health-report-every", defaultValue = "2s") Duration every) {
        this.health = health;
        this.routes = routes;
        this.redis = redis;
        this.mapper = mapper;
        this.vertx = vertx;
        this.hash = secrets.redisNames().healthHash();
        this.every = every;
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(every.toMillis(), id -> publish());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    void publish() {
        RouteTable table = routes.table();
        if (table == null) {
            return;
        }
        Map<String, Target> targets = new HashMap<>();
        table.routes().forEach(r -> r.targets().forEach(t -> targets.putIfAbsent(t.key(), t)));
        Request hset = Request.cmd(Command.HSET).arg(hash);
        int fields = 0;
        long now = System.currentTimeMillis();
        for (TargetHealth h : health.all()) {
            Target t = targets.get(h.key());
            if (t == null) {
                continue;
            }
            double[] p = h.percentiles();
            TargetReport report = new TargetReport(gateway, h.key(), t.deployment().id(), t.deployment().providerName(), t.deployment().region(),
                    h.successes(), h.failures(), p.length == 0 ? -1 : p[0], p.length == 0 ? -1 : p[1], p.length == 0 ? -1 : p[2],
                    h.breakerState().name(), now, h.sinceMillis());
            try {
                hset.arg(gateway + "|" + h.key()).arg(mapper.writeValueAsString(report));
                fields++;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                LOG.debugf("health report of %s not serialisable", h.key());
            }
        }
        if (fields > 0) {
            redis.send(hset).onFailure(e -> LOG.debugf("health report not published: %s", e.getMessage()));
        }
    }
}
