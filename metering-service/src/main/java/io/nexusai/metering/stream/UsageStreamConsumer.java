package io.nexusai.metering.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.metering.metrics.MeteringMetrics;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.db.DatabaseUnavailableException;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads usage events from the Redis Stream as a member of the {@code metering} consumer group and stores them.
 *
 * <p>Exactly-once effect: a batch is inserted in one statement (one transaction), idempotently by request id,
 * and its stream entries are acknowledged only after the commit. A crash between commit and acknowledgement
 * means redelivery, which the request-id key absorbs (and the rollups, fed only by rows actually inserted).
 *
 * <p>One reader thread reads batches ({@code XREADGROUP >}), parses and prices them, and hands each to the
 * database asynchronously; up to {@code max-in-flight} batches are being stored at once, so the next read and
 * parse overlap the previous insert. If a store fails, the reader waits for the others in flight, then
 * re-reads its own pending entries (which the failed batch still is) before reading new ones — as it does at
 * start, after a crash. While PostgreSQL hangs or is down, every store fails within {@code NEXUS_DB_TIMEOUT} and
 * is retried a second later, its entries pending (a store whose commit the bound cut off may still have committed:
 * the retry finds its rows and counts nothing twice); once the database answers, the pending entries are stored,
 * then the backlog. A maintenance thread periodically claims entries left pending by other (dead)
 * consumers ({@code XAUTOCLAIM}), deletes consumers long idle with nothing pending, trims the stream below
 * what every group has acknowledged, and refreshes the lag gauge.
 */
@ApplicationScoped
public class UsageStreamConsumer {
    private static final Logger LOG = Logger.getLogger(UsageStreamConsumer.class);
    static final String FIELD = "e";

    private final StreamCommands<String, String, String> blocking;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final StreamAdmin admin;
    private final UsageRepository usage;
    private final PriceBook prices;
    private final ObjectMapper mapper;
    private final MeteringConfig config;
    private final MeteringMetrics metrics;
    private final String stream;
    private final String group;
    private final String consumer;
    private final Semaphore inFlight;
    private final AtomicReference<Throwable> storeFailure = new AtomicReference<>();
    private final AtomicLong stored = new AtomicLong();
    private volatile boolean stopped;
    private Thread reader;
    private ScheduledExecutorService maintenance;

    public UsageStreamConsumer(RedisDataSource blockingRedis, ReactiveRedisDataSource redis, StreamAdmin admin,
                               UsageRepository usage, PriceBook prices, ObjectMapper mapper, MeteringConfig config,
                               MeteringMetrics metrics, PlatformSecrets secrets,
                               @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.blocking = blockingRedis.stream(String.class, String.class, String.class);
        this.streams = redis.stream(String.class, String.class, String.class);
        this.admin = admin;
        this.usage = usage;
        this.prices = prices;
        this.mapper = mapper;
        this.config = config;
        this.metrics = metrics;
        this.stream = secrets.redisNames().usageStream();
        this.group = secrets.redisNames().meteringGroup();
        this.consumer = config.consumerName().orElseGet(() -> hostname() + ":" + httpPort);
        this.inFlight = new Semaphore(Math.max(1, config.maxInFlight()));
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("consuming %s as %s/%s (batches of %d, %d in flight)", stream, group, consumer, config.batchSize(),
                config.maxInFlight());
        reader = Thread.ofPlatform().name("metering-reader").daemon().start(this::run);
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("metering-maintenance").daemon().unstarted(r));
        every(config.claimEvery(), "claim", () -> {
            claimAbandoned();
            deleteIdleConsumers();
        });
        every(config.trimEvery(), "trim", this::trim);
        every(config.lagEvery(), "lag", this::refreshLag);
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        if (reader != null) {
            try { // the reader finishes its current read (at most block-timeout) and waits for what it stores
                reader.join(config.blockTimeout().toMillis() + 15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Events stored (inserted) by this consumer since start. */
    public long stored() {
        return stored.get();
    }

    /** The consumer name of this replica in the group. */
    public String consumerName() {
        return consumer;
    }

    private void every(Duration period, String what, Runnable task) {
        if (period.isZero() || period.isNegative()) {
            return;
        }
        maintenance.scheduleWithFixedDelay(() -> {
            if (stopped || !prices.loaded()) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                if (DatabaseUnavailableException.in(e) != null) { // logged once per outage by the pool; the next run retries
                    LOG.debugf("usage stream %s failed: %s", what, e.getMessage());
                } else {
                    LOG.warnf("usage stream %s failed: %s", what, e.getMessage());
                }
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- reader ----

    private void run() {
        while (!stopped) {
            try {
                awaitPrices();
                ensureGroup();
                readOwnPending();
                readNew();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (stopped) {
                    break;
                }
                if (DatabaseUnavailableException.in(e) != null) { // logged once per outage by the pool; entries stay pending
                    LOG.debugf("usage not stored: %s; retrying in 1 s", e.getMessage());
                } else {
                    LOG.warnf("usage stream read failed (%s); retrying in 1 s", e.getMessage());
                }
                sleep(1000);
            }
        }
        awaitInFlight(Duration.ofSeconds(15));
    }

    private void awaitPrices() {
        while (!stopped && !prices.loaded()) {
            prices.reload().await().atMost(Duration.ofSeconds(30));
            if (!prices.loaded()) {
                LOG.warn("prices not loaded yet; usage stream waits");
                sleep(1000);
            }
        }
    }

    private void ensureGroup() {
        try {
            blocking.xgroupCreate(stream, group, "0", new XGroupCreateArgs().mkstream());
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /** Entries delivered to this consumer before a crash or a failed store, and never acknowledged, come first. */
    private void readOwnPending() {
        XReadGroupArgs args = new XReadGroupArgs().count(config.batchSize());
        while (!stopped) {
            List<StreamMessage<String, String, String>> batch = blocking.xreadgroup(group, consumer, stream, "0", args);
            if (batch == null || batch.isEmpty()) {
                return;
            }
            store(batch, System.nanoTime()).await().atMost(Duration.ofMinutes(5));
        }
    }

    private void readNew() throws InterruptedException {
        XReadGroupArgs args = new XReadGroupArgs().count(config.batchSize()).block(config.blockTimeout());
        while (!stopped) {
            inFlight.acquire();
            Throwable failed = storeFailure.getAndSet(null);
            if (failed != null) {
                inFlight.release();
                awaitInFlight(Duration.ofMinutes(5));
                throw new IllegalStateException("storing a batch failed: " + failed.getMessage(), failed);
            }
            List<StreamMessage<String, String, String>> batch;
            try {
                batch = blocking.xreadgroup(group, consumer, stream, ">", args);
            } catch (RuntimeException e) {
                inFlight.release();
                awaitInFlight(Duration.ofMinutes(5));
                throw e;
            }
            if (batch == null || batch.isEmpty()) {
                inFlight.release();
                continue;
            }
            store(batch, System.nanoTime()).subscribe().with(n -> inFlight.release(), f -> {
                storeFailure.set(f);
                inFlight.release();
            });
            if (batch.size() < config.batchSize() && !config.linger().isZero()) {
                // a partial batch: let the stream fill up a little before the next read, so that under moderate
                // load a batch is not one statement and one commit for a handful of events
                Thread.sleep(config.linger().toMillis());
            }
        }
    }

    private void awaitInFlight(Duration timeout) {
        int permits = Math.max(1, config.maxInFlight());
        try {
            if (inFlight.tryAcquire(permits, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                inFlight.release(permits);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- maintenance ----

    /** Claims entries idle for claim-idle on any consumer of the group (dead replicas), as many rounds as it takes. */
    void claimAbandoned() {
        String cursor = "0-0";
        long claimed = 0;
        do {
            ClaimedMessages<String, String, String> c = blocking.xautoclaim(stream, group, consumer, config.claimIdle(), cursor,
                    config.batchSize());
            if (c == null) {
                return;
            }
            List<StreamMessage<String, String, String>> messages = c.getMessages();
            if (messages != null && !messages.isEmpty()) {
                store(messages, System.nanoTime()).await().atMost(Duration.ofMinutes(5));
                claimed += messages.size();
            }
            cursor = c.getId();
        } while (!stopped && cursor != null && !"0-0".equals(cursor));
        if (claimed > 0) {
            LOG.infof("claimed and stored %d entries abandoned by other consumers", claimed);
        }
    }

    void deleteIdleConsumers() {
        List<String> deleted = admin.deleteIdleConsumers(stream, group, config.deleteIdleConsumersAfter(), consumer);
        if (!deleted.isEmpty()) {
            LOG.infof("deleted consumers idle for %s with nothing pending: %s", config.deleteIdleConsumersAfter(), deleted);
        }
    }

    void trim() {
        StreamAdmin.Trim t = admin.trim(stream);
        if (t.removed() > 0) {
            LOG.debugf("trimmed %d acknowledged entries below %s", t.removed(), t.minId());
        }
    }

    void refreshLag() {
        metrics.lag(admin.lag(stream, group).total());
    }

    // ---- storing ----

    /** Stores a batch, then acknowledges every entry of it (malformed ones too, after logging them). */
    private Uni<Integer> store(List<StreamMessage<String, String, String>> messages, long startNanos) {
        List<UsageRecord> records = new ArrayList<>(messages.size());
        String[] ids = new String[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage<String, String, String> m = messages.get(i);
            ids[i] = m.id();
            UsageEvent event = parse(m);
            if (event != null) {
                records.add(new UsageRecord(event,
                        prices.cost(event),
                        m.id()));
            }
        }
        int malformed = messages.size() - records.size();
        return usage.insertAll(records)
                .invoke(result -> { // committed: count it even if the acknowledgement fails (redelivery then finds duplicates)
                    stored.addAndGet(result.inserted().size());
                    metrics.stored(result.inserted(), result.duplicates(), malformed);
                })
                .call(result -> streams.xack(stream, group, ids))
                .invoke(result -> metrics.batchDone(System.nanoTime() - startNanos))
                .map(result -> messages.size());
    }

    private UsageEvent parse(StreamMessage<String, String, String> m) {
        String json = m.payload() == null ? null : m.payload().get(FIELD);
        try {
            UsageEvent e = json == null ? null : mapper.readValue(json, UsageEvent.class);
            if (e == null || e.requestId() == null || e.tenantId() == null || e.keyId() == null || e.alias() == null
                    || e.endpoint() == null) {
                LOG.errorf("dropping malformed usage entry %s: required fields missing", m.id());
                return null;
            }
            return e;
        } catch (Exception ex) {
            LOG.errorf("dropping malformed usage entry %s: %s", m.id(), ex.getClass().getSimpleName());
            return null;
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "metering";
        }
    }
}
