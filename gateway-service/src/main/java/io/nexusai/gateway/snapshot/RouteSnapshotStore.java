package io.nexusai.gateway.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.routing.RouteSnapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.events.ConfigResync;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Holds the route table requests are served from. It is pulled from routing-service at start, on every
 * route/provider change event, after a missed-events resync and periodically; a failed pull keeps the last good
 * table. The last good snapshot can be kept on disk (provider keys encrypted) to survive a restart while the
 * control plane is down. Pulls never overlap: a change during a pull triggers one more pull after it.
 */
@Singleton
public class RouteSnapshotStore {
    private static final Logger LOG = Logger.getLogger(RouteSnapshotStore.class);

    private final RoutingServiceClient routing;
    private final PlatformSecrets secrets;
    private final GatewayConfig config;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final AtomicBoolean pulling = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile RouteTable table;
    private volatile long lastSuccessMillis;
    /** When routing-service last confirmed the table current (epoch ms): a pull answered; for a kept snapshot, when it was kept. */
    private volatile long confirmedMillis = System.currentTimeMillis();
    private long timer = -1;

    public RouteSnapshotStore(RoutingServiceClient routing, PlatformSecrets secrets, GatewayConfig config, ObjectMapper mapper,
                              Vertx vertx, MeterRegistry registry) {
        this.routing = routing;
        this.secrets = secrets;
        this.config = config;
        this.mapper = mapper;
        this.vertx = vertx;
        Gauge.builder("nexus.snapshot.age.seconds", this, RouteSnapshotStore::ageSeconds)
                .description("Seconds since the route snapshot was last confirmed current with routing-service")
                .register(registry);
    }

    /**
     * Seconds since routing-service last confirmed the table current. Grows while pulls fail (a gateway serving its
     * last good or kept snapshot while routing is down); before any snapshot, counts from the gateway's start.
     */
    public double ageSeconds() {
        return Math.max(0, System.currentTimeMillis() - confirmedMillis) / 1000.0;
    }

    void start(@Observes StartupEvent event) {
        loadFromDisk();
        refresh();
        timer = vertx.setPeriodic(config.routeResync().toMillis(), id -> refresh());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    void onChange(@Observes ConfigChange change) {
        if (change.kind() == ConfigChange.Kind.ROUTES || change.kind() == ConfigChange.Kind.PROVIDERS
                || change.kind() == ConfigChange.Kind.PRICES) {
            refresh();
        }
    }

    void onResync(@Observes ConfigResync resync) {
        refresh();
    }

    /** The current table, or {@code null} before the first snapshot arrived. */
    public RouteTable table() {
        return table;
    }

    /** When the last pull succeeded (epoch ms; 0 = never). */
    public long lastSuccessMillis() {
        return lastSuccessMillis;
    }

    /** Pulls a snapshot now (or right after the pull in progress). */
    public void refresh() {
        if (!pulling.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        routing.snapshot().subscribe().with(snapshot -> {
            install(snapshot, true);
            confirmedMillis = System.currentTimeMillis();
            done();
        }, failure -> {
            LOG.warnf("route snapshot pull failed (%s); serving the last good one (version %s)", failure.getMessage(),
                    table == null ? "none" : table.version());
            done();
        });
    }

    private void done() {
        pulling.set(false);
        if (again.getAndSet(false)) {
            refresh();
        }
    }

    private void install(RouteSnapshot snapshot, boolean persist) {
        RouteTable current = table;
        if (current != null && snapshot.version() < current.version()) {
            LOG.debugf("ignoring older snapshot %d (have %d)", snapshot.version(), current.version());
            return;
        }
        table = RouteTable.compile(snapshot, secrets.cipher());
        lastSuccessMillis = System.currentTimeMillis();
        if (current == null || current.version() != snapshot.version()) {
            LOG.infof("route snapshot version %d installed: %d aliases", snapshot.version(), table.size());
        }
        if (persist && config.snapshotFile().isPresent()) {
            Path file = Path.of(config.snapshotFile().get());
            vertx.executeBlocking(() -> {
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.write(tmp, mapper.writeValueAsBytes(snapshot));
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return null;
            }, false).onFailure(e -> LOG.warnf("could not keep the snapshot in %s: %s", file, e.getMessage()));
        }
    }

    private void loadFromDisk() {
        if (config.snapshotFile().isEmpty()) {
            return;
        }
        Path file = Path.of(config.snapshotFile().get());
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            install(mapper.readValue(file.toFile(), RouteSnapshot.class), false);
            // the file is rewritten after every pull that answered: its time is when routing last confirmed it
            confirmedMillis = Files.getLastModifiedTime(file).toMillis();
            LOG.infof("serving the kept snapshot from %s until routing-service answers", file);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("kept snapshot %s unusable: %s", file, e.getMessage());
        }
    }
}
