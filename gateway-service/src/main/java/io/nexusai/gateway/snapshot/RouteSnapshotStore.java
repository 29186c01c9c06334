package io.nexusai.gateway.snapshot;

import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.events.ConfigResync;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the route table requests are served from. It is pulled from routing-service: whole at start and after a
 * missed-events resync; on every route/provider/price change event, and periodically, only the changes after the
 * table's version ({@link RouteDelta}), applied copy-on-write to the current table ({@link RouteTable#apply}) —
 * routing-service answers the whole table instead when its change log no longer reaches back that far. A failed
 * pull keeps the last good table. The last good snapshot can be kept on disk (provider keys encrypted) to survive
 * a restart while the control plane is down. Pulls never overlap: a change during a pull triggers one more pull
 * after it (whole if a whole one was asked for meanwhile).
 */
@Singleton
public class RouteSnapshotStore {
    private static final Logger LOG = Logger.getLogger(RouteSnapshotStore.class);

    private final RoutingServiceClient routing;
    private final PlatformSecrets secrets;
    private final GatewayConfig config;
    private final Vertx vertx;
    private final AtomicBoolean pulling = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** The next pull fetches the whole table (start, resync, a failed whole pull, a delta that did not fit). */
    private final AtomicBoolean wholeWanted = new AtomicBoolean(true);
    private final Counter wholePulls;
    private final Counter deltaPulls;
    private final Counter wholeBytes;
    private final Counter deltaBytes;
    /** Pulls are read and compiled here, one at a time, never on an event loop. */
    private final ExecutorService puller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nexus-route-pull");
        t.setDaemon(true);
        return t;
    });
    /** The newest snapshot waiting to be kept on disk, and whether a write is in progress. */
    private final AtomicReference<RouteSnapshot> toKeep = new AtomicReference<>();
    private final AtomicBoolean keeping = new AtomicBoolean();
    private volatile RouteTable table;
    private volatile long lastSuccessMillis;
    /** When routing-service last confirmed the table current (epoch ms): a pull answered; for a kept snapshot, when it was kept. */
    private volatile long confirmedMillis = System.currentTimeMillis();
    private long timer = -1;
    private final GatewayMetrics metrics;
    /**
     * How often at most the request metrics' folded aliases are checked against the table, after it changed
     * ({@link GatewayMetrics#forgetFolded}; tests: 0). Only the pull thread touches this and the two below.
     */
    long foldedSweepEveryMs = 60_000;
    private long foldedSweptVersion = Long.MIN_VALUE;
    private long foldedSweptAtMs;

    public RouteSnapshotStore(RoutingServiceClient routing, PlatformSecrets secrets, GatewayConfig config, Vertx vertx,
                              MeterRegistry registry, GatewayMetrics metrics) {
        this.metrics = metrics;
        this.routing = routing;
        this.secrets = secrets;
        this.config = config;
        this.vertx = vertx;
        Gauge.builder("nexus.snapshot.age.seconds", this, RouteSnapshotStore::ageSeconds)
                .description("Seconds since the route snapshot was last confirmed current with routing-service")
                .register(registry);
        wholePulls = pulls(registry, "full");
        deltaPulls = pulls(registry, "delta");
        wholeBytes = bytes(registry, "full");
        deltaBytes = bytes(registry, "delta");
    }

    private static Counter bytes(MeterRegistry registry, String kind) {
        return Counter.builder("nexus.snapshot.bytes").tag("kind", kind)
                .description("Bytes of route table text received from routing-service, by what the pull brought: the whole table or a delta")
                .register(registry);
    }

    private static Counter pulls(MeterRegistry registry, String kind) {
        return Counter.builder("nexus.snapshot.pulls").tag("kind", kind)
                .description("Route table pulls from routing-service that answered, by what they brought: the whole table or a delta")
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
        timer = vertx.setPeriodic(config.routeResync().toMillis(), id -> periodic());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        puller.shutdownNow();
    }

    void onChange(@Observes ConfigChange change) {
        if (change.kind() == ConfigChange.Kind.ROUTES || change.kind() == ConfigChange.Kind.PROVIDERS
                || change.kind() == ConfigChange.Kind.PRICES) {
            pull(false);
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

    /**
     * The periodic resync: the changes since the table's version, which routing-service answers with the whole table
     * when its change log no longer reaches back that far. A change whose event was lost is caught up with either way,
     * and a catalogue of 100,000 aliases is not pulled whole (~19 MB, parsed and compiled) every period.
     */
    void periodic() {
        pull(false);
    }

    /** Pulls the whole table now (or right after the pull in progress). */
    public void refresh() {
        pull(true);
    }

    /** Pulls the changes since the table's version (or the whole table when asked, or when there is none yet). */
    private void pull(boolean whole) {
        if (whole) {
            wholeWanted.set(true);
        }
        if (!pulling.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        RouteTable current = table;
        boolean asked = wholeWanted.getAndSet(false) || current == null;
        try {
            puller.execute(() -> pullNow(current, asked));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pulling.set(false); // shutting down
        }
    }

    /**
     * One pull, on the pull thread: the table is read and compiled entry by entry as it arrives
     * ({@link RouteTable.Builder}); installed only when it was read whole.
     */
    private void pullNow(RouteTable current, boolean whole) {
        RouteTable.Builder builder = new RouteTable.Builder(current, secrets.cipher());
        long started = System.nanoTime();
        RoutingServiceClient.Pulled pulled;
        try {
            pulled = routing.pull(whole ? null : current.version(), builder);
        } catch (RoutingServiceClient.PullFailed e) {
            RouteTableWire.Header header = builder.header();
            (header != null ? (header.full() ? wholeBytes : deltaBytes) : whole ? wholeBytes : deltaBytes).increment(e.bytes());
            if (e.getCause() instanceof IllegalArgumentException && header != null && !header.full()) {
                LOG.warnf("route delta not applied (%s); pulling the whole table", e.getCause().getMessage());
                wholeWanted.set(true);
                again.set(true);
                answered();
                return;
            }
            failed(e, whole);
            return;
        } catch (RuntimeException e) {
            failed(e, whole);
            return;
        }
        boolean full = pulled.header().full();
        (full ? wholeBytes : deltaBytes).increment(pulled.bytes());
        (full ? wholePulls : deltaPulls).increment();
        try {
            RouteTable next = builder.build();
            if (full) { // at INFO when it brought a new version (not for every periodic resync)
                LOG.logf(current == null || current.version() != next.version() ? Logger.Level.INFO : Logger.Level.DEBUG,
                        "whole route table pulled: version %d, %d aliases, %d bytes in %d ms", next.version(), next.size(),
                        pulled.bytes(), (System.nanoTime() - started) / 1_000_000);
            }
            install(next, current, full);
        } catch (RuntimeException e) {
            LOG.errorf(e, "route table version %d not installed", pulled.header().version());
        }
        forgetFolded();
        answered();
    }

    /**
     * Lets the request metrics forget the folded aliases the table no longer has: at most every
     * {@link #foldedSweepEveryMs} and only after the table changed, so a trailing change is caught by a later pull
     * (a change event's, or the periodic resync's). On the pull thread, which compiles tables too.
     */
    private void forgetFolded() {
        RouteTable t = table;
        long now = System.currentTimeMillis();
        if (t == null || t.version() == foldedSweptVersion || now - foldedSweptAtMs < foldedSweepEveryMs) {
            return;
        }
        foldedSweptVersion = t.version();
        foldedSweptAtMs = now;
        int forgotten = metrics.forgetFolded(alias -> t.route(alias) != null);
        if (forgotten > 0) {
            LOG.debugf("request metrics forgot %d folded aliases no longer in route table version %d", forgotten, t.version());
        }
    }

    private void answered() {
        confirmedMillis = System.currentTimeMillis();
        lastSuccessMillis = confirmedMillis;
        done();
    }

    private void failed(Throwable failure, boolean whole) {
        if (whole) {
            wholeWanted.set(true);
        }
        LOG.warnf("route %s pull failed (%s); serving the last good one (version %s)", whole ? "snapshot" : "delta", failure.getMessage(),
                table == null ? "none" : table.version());
        done();
    }

    private void done() {
        pulling.set(false);
        if (again.getAndSet(false)) {
            pull(false);
        }
    }

    /**
     * Installs a table read from routing-service (or a kept file). Pulls never overlap, so {@code current} is still
     * the table served; an older table than it is ignored.
     */
    private void install(RouteTable next, RouteTable current, boolean persist) {
        if (current != null && next.version() < current.version()) {
            LOG.debugf("ignoring an older table %d (have %d)", next.version(), current.version());
            return;
        }
        if (current != null && next.version() == current.version() && next.size() == current.size() && next != current
                && next.snapshot().routes().equals(current.snapshot().routes())) {
            return;
        }
        use(next, current, persist);
    }

    private void use(RouteTable next, RouteTable current, boolean persist) {
        table = next;
        lastSuccessMillis = System.currentTimeMillis();
        if (current == null || current.version() != next.version()) {
            LOG.infof("route snapshot version %d installed: %d aliases", next.version(), next.size());
        }
        if (persist && config.snapshotFile().isPresent()) {
            keep(next.snapshot());
        }
    }

    /**
     * Keeps a snapshot on disk. Writes never overlap and only the newest waiting snapshot is written, so a burst of
     * deltas costs one or two writes of the table, and an older table never overwrites a newer one.
     */
    private void keep(RouteSnapshot snapshot) {
        toKeep.set(snapshot);
        if (keeping.compareAndSet(false, true)) {
            writeKept();
        }
    }

    private void writeKept() {
        RouteSnapshot snapshot = toKeep.getAndSet(null);
        if (snapshot == null) {
            keeping.set(false);
            // a snapshot set after getAndSet and before the flag was cleared: its keep() saw the flag still set
            if (toKeep.get() != null && keeping.compareAndSet(false, true)) {
                writeKept();
            }
            return;
        }
        Path file = Path.of(config.snapshotFile().get());
        vertx.executeBlocking(() -> {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
                RouteTableWire.write(out, snapshot);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        }, false).onComplete(written -> {
            if (written.failed()) {
                LOG.warnf("could not keep the snapshot in %s: %s", file, written.cause().getMessage());
            }
            writeKept();
        });
    }

    private void loadFromDisk() {
        if (config.snapshotFile().isEmpty()) {
            return;
        }
        Path file = Path.of(config.snapshotFile().get());
        if (!Files.isRegularFile(file)) {
            return;
        }
        RouteTable.Builder builder = new RouteTable.Builder(null, secrets.cipher());
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            RouteTableWire.read(in, builder);
            install(builder.build(), table, false);
            // the file is rewritten after every pull that answered: its time is when routing last confirmed it
            confirmedMillis = Files.getLastModifiedTime(file).toMillis();
            LOG.infof("serving the kept snapshot from %s until routing-service answers", file);
        } catch (RouteTableWire.UnsupportedFormatException e) {
            LOG.warnf("kept snapshot %s is in another format than %s (kept by an older gateway?): not used; the whole table is pulled",
                    file, RouteTableWire.FORMAT);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("kept snapshot %s unusable: %s", file, e.getMessage());
        }
    }
}
