package io.nexusai.gateway.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.limits.Scripts;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.config.RedisConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.nexusai.api.events.RedisNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Appends usage events to the Redis Stream that metering-service consumes ({@code XADD <stream> * e <json>}), with
 * nothing lost when Redis is away or the gateway is killed. {@link #emit} writes the event to the
 * {@link UsageJournal} on the calling thread (before the response's last byte: one write into the page cache) and
 * returns; a shipping thread reads the journal, sends pipelined batches (each event's limit settlement in the same
 * batch), and moves the journal's acknowledged position once Redis has answered. While Redis is unreachable the
 * events simply stay in the journal; a journal left by a dead gateway is shipped by the next process to use the
 * directory (at start, and every few seconds by live replicas sharing it). A shipped event whose acknowledgement
 * was not recorded before a crash is sent again: metering stores each request id once.
 *
 * <p>An event the journal refuses (disk full, I/O error, journal at its maximum size) is counted in
 * {@code nexus_usage_journal_errors_total} and kept in memory for the shipper (lost only if the process dies
 * first); past {@value #MEMORY_LIMIT} such events, further ones are counted in {@code nexus_usage_events_dropped_total}.
 * The request never fails for it.
 */
@Singleton
public class UsageEmitter {
    private static final Logger LOG = Logger.getLogger(UsageEmitter.class);
    private static final int BATCH = 512;
    private static final int BATCH_BYTES = 1 << 20;
    static final int MEMORY_LIMIT = 10_000;
    private static final long RECONNECT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SCAN_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Events in the journal longer than this without Redis taking them count as spooled. */
    private static final long BEHIND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long REPLY_SECONDS = 10;

    private final ObjectMapper mapper;
    private final String stream;
    private final boolean cluster;
    private final Redis client;
    private final UsageJournal journal;
    /** Events the journal refused, waiting for Redis in memory. */
    private final ConcurrentLinkedQueue<byte[]> unjournaled = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unjournaledCount = new AtomicInteger();
    private final Counter dropped;
    private final Counter journalErrors;
    private final AtomicBoolean parked = new AtomicBoolean();
    private volatile Thread shipper;
    private volatile boolean stopping;
    private volatile RedisConnection connection;
    private volatile boolean broken;
    /** When the shipper last had nothing older than its current batch to send. */
    private volatile long caughtUpAt = System.nanoTime();
    private long lostReported;

    public UsageEmitter(Vertx vertx, ObjectMapper mapper, PlatformSecrets secrets, RedisConfig redis, GatewayConfig config,
                        MeterRegistry registry) {
        this.mapper = mapper;
        this.stream = secrets.redisNames().usageStream();
        this.cluster = redis.cluster();
        // on a cluster, the groups of a round (one per shard's slot) go out together: a few connections per node
        this.client = Redis.createClient(vertx, redis.options().setMaxPoolSize(cluster ? 4 : 1).setMaxPoolWaiting(cluster ? 4096 : 24)
                .setPoolName("nexus-usage"));
        GatewayConfig.UsageSpool spool = config.usageSpool();
        this.journal = new UsageJournal(Path.of(spool.dir()), owner(), spool.maxSize().asLongValue(),
                spool.segmentSize().asLongValue());
        Gauge.builder("nexus.usage.events.spooled", this, UsageEmitter::spooled)
                .description("Usage events in the journal that Redis has not taken for over a second").register(registry);
        this.dropped = Counter.builder("nexus.usage.events.dropped")
                .description("Usage events lost: neither journaled nor kept for Redis, or found damaged in a journal").register(registry);
        this.journalErrors = Counter.builder("nexus.usage.journal.errors")
                .description("Usage events the journal could not take (disk full, I/O error, journal full): kept in memory only").register(registry);
    }

    /** This process's name in the journal directory: host, pid and start time (a restarted container keeps host and pid). */
    private static String owner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "host";
        }
        String name = host + "_" + ProcessHandle.current().pid() + "_" + Long.toString(System.currentTimeMillis(), 36)
                + "_" + Integer.toString(INSTANCES.incrementAndGet(), 36);
        return name.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Emitters created in this JVM (tests start several applications in one). */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    void start(@Observes StartupEvent event) {
        journal.open();
        Thread t = new Thread(this::ship, "nexus-usage-shipper");
        t.setDaemon(true);
        shipper = t;
        t.start();
    }

    /** Journals an event; returns at once. */
    public void emit(UsageEvent event) {
        emit(event, null);
    }

    /**
     * Journals an event with the settlement of its request's limits ({@link io.nexusai.gateway.limits.Charge#settlement}),
     * which goes to Redis in the same pipelined batch. One write into the page cache on the calling thread, no
     * lock; the shipping thread is woken only if it sleeps.
     */
    public void emit(UsageEvent event, String settlement) {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            LOG.errorf("usage event %s not serialisable: %s", event.requestId(), e.getMessage());
            return;
        }
        if (!journal.append(json, settlement)) {
            journalErrors.increment();
            keepInMemory(json, settlement);
        }
        if (parked.get() && parked.compareAndSet(true, false)) {
            LockSupport.unpark(shipper);
        }
    }

    private void keepInMemory(byte[] json, String settlement) {
        if (unjournaledCount.incrementAndGet() > MEMORY_LIMIT) {
            unjournaledCount.decrementAndGet();
            dropped.increment();
            LOG.errorf("usage event lost: the journal refuses it and %d events already wait in memory", MEMORY_LIMIT);
            return;
        }
        if (settlement == null) {
            unjournaled.add(json);
        } else {
            byte[] extra = settlement.getBytes(StandardCharsets.UTF_8);
            byte[] line = new byte[json.length + 1 + extra.length];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\t';
            System.arraycopy(extra, 0, line, json.length + 1, extra.length);
            unjournaled.add(line);
        }
    }

    /**
     * Usage events waiting on disk for Redis: those in the journal while Redis is unreachable or the shipper has
     * been behind for over a second. The few milliseconds every event spends in the journal before Redis
     * acknowledges it do not count (else the gauge would never rest at 0 under load).
     */
    public long spooled() {
        boolean behind = !connected() || System.nanoTime() - caughtUpAt > BEHIND_NANOS;
        return behind ? journal.pending() : 0;
    }

    /** Whether events currently go to Redis. */
    public boolean connected() {
        return connection != null && !broken;
    }

    /** The shipping thread: connects, ships, claims dead journals, until stopped (after a last drain). */
    private void ship() {
        long nextScan = System.nanoTime();
        long drainUntil = 0;
        boolean down = false;
        while (!Thread.currentThread().isInterrupted()) {
            if (stopping && drainUntil == 0) {
                drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            }
            if (drainUntil != 0 && System.nanoTime() - drainUntil > 0) {
                break;
            }
            try {
                if (System.nanoTime() - nextScan >= 0) {
                    journal.scan();
                    nextScan = System.nanoTime() + SCAN_NANOS;
                }
                if (!connected()) {
                    if (connection != null) {
                        redisLost("the connection was lost");
                    }
                    if (!connect()) {
                        if (drainUntil != 0) {
                            break; // Redis away at shutdown: the journal keeps the events for the next process
                        }
                        down = true;
                        journal.refresh();
                        reportLost();
                        LockSupport.parkNanos(this, RECONNECT_NANOS);
                        continue;
                    }
                    if (down) {
                        down = false;
                        LOG.infof("Redis answers again: sending the %d usage events of the journal", journal.pending());
                    }
                }
                long seen = journal.appends();
                if (!round()) {
                    if (drainUntil != 0) {
                        break;
                    }
                    parked.set(true);
                    if (!stopping && unjournaled.isEmpty() && journal.appends() == seen) {
                        LockSupport.parkNanos(this, IDLE_NANOS);
                    }
                    parked.set(false);
                }
                reportLost();
            } catch (RuntimeException e) {
                LOG.errorf(e, "usage shipper failed; retrying");
                LockSupport.parkNanos(this, RECONNECT_NANOS);
            }
        }
    }

    /** One batch to Redis: events kept in memory first, then the journal's; false when there was nothing to send. */
    private boolean round() {
        List<byte[]> fromMemory = new ArrayList<>();
        for (Iterator<byte[]> it = unjournaled.iterator(); it.hasNext() && fromMemory.size() < BATCH; ) {
            fromMemory.add(it.next());
        }
        UsageJournal.Batch batch = journal.next(BATCH - fromMemory.size(), BATCH_BYTES);
        if (fromMemory.isEmpty() && batch.records.isEmpty()) {
            if (!batch.isEmpty()) {
                journal.acknowledge(batch); // damaged records only: skipped
            }
            caughtUpAt = System.nanoTime();
            return !batch.isEmpty();
        }
        List<Request> requests = new ArrayList<>(fromMemory.size() + batch.records.size());
        List<String> slots = new ArrayList<>(fromMemory.size() + batch.records.size());
        for (byte[] line : fromMemory) {
            add(requests, slots, line);
        }
        for (byte[] line : batch.records) {
            add(requests, slots, line);
        }
        try {
            send(requests, slots).toCompletionStage().toCompletableFuture().get(REPLY_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            redisLost("sending usage events failed: " + (e.getCause() == null ? e : e.getCause()).getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        journal.acknowledge(batch);
        for (int i = 0; i < fromMemory.size(); i++) {
            unjournaled.poll(); // only this thread takes from the queue: the head is what was sent
        }
        unjournaledCount.addAndGet(-fromMemory.size());
        if (!batch.more) {
            caughtUpAt = System.nanoTime();
        }
        return true;
    }

    /**
     * The XADD of a record ({@code <json>[\t<settlement>]}) and its settlement's EVALSHA, if any, each with the hash
     * tag of its keys (its slot on a cluster).
     */
    private void add(List<Request> requests, List<String> slots, byte[] line) {
        int tab = indexOfTab(line);
        Buffer json = tab < 0 ? Buffer.buffer(line) : Buffer.buffer(line).slice(0, tab);
        requests.add(Request.cmd(Command.XADD).arg(stream).arg("*").arg("e").arg(json));
        slots.add(RedisNames.hashTag(stream));
        if (tab >= 0) {
            String settlement = new String(line, tab + 1, line.length - tab - 1, StandardCharsets.UTF_8);
            Request settle = Scripts.settle(settlement, false);
            if (settle != null) {
                requests.add(settle);
                slots.add(RedisNames.hashTag(settlement.split(" ", 5)[3]));
            }
        }
    }

    /**
     * Sends a round: one pipelined batch on a single Redis; on a cluster one batch per slot (a batch must stay on one
     * slot there), all at once. A node that does not know the settlement script yet (a new or restarted one) is
     * taught it by a no-op {@code EVAL} on that slot, and its batch is sent again.
     */
    private Future<?> send(List<Request> requests, List<String> slots) {
        RedisConnection c = connection;
        if (!cluster) {
            return c.batch(requests);
        }
        Map<String, List<Request>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            bySlot.computeIfAbsent(slots.get(i), t -> new ArrayList<>()).add(requests.get(i));
        }
        List<Future<?>> sent = new ArrayList<>(bySlot.size());
        bySlot.forEach((tag, group) -> sent.add(c.batch(group).recover(e -> {
            if (!Scripts.noScript(e)) {
                return Future.failedFuture(e);
            }
            Request teach = Scripts.SETTLE.eval(2).arg("{" + tag + "}:resv").arg("{" + tag + "}:resv:exp").arg("-").arg("0").arg("0");
            return c.send(teach).compose(v -> c.batch(group));
        })));
        return Future.all(sent);
    }

    /** Where the settlement of a record starts (JSON holds no raw tab), or -1. */
    private static int indexOfTab(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == '\t') {
                return i;
            }
        }
        return -1;
    }

    private boolean connect() {
        RedisConnection c = null;
        try {
            c = client.connect().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            // the settlement script is loaded on every (re)connect: a restarted Redis has forgotten it (a cluster's
            // nodes learn it on their first NOSCRIPT answer instead: a keyless command reaches only one of them)
            if (!cluster) {
                c.send(Scripts.SETTLE.load()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            broken = false;
            c.exceptionHandler(e -> connectionLost("connection error: " + e.getMessage()));
            c.endHandler(v -> connectionLost("connection closed"));
            connection = c;
            return true;
        } catch (ExecutionException | TimeoutException e) {
            if (c != null) {
                c.close();
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void connectionLost(String why) {
        if (!broken && connection != null) {
            broken = true;
            LockSupport.unpark(shipper);
            LOG.debugf("usage connection to Redis lost: %s", why);
        }
    }

    private void redisLost(String why) {
        RedisConnection c = connection;
        connection = null;
        broken = false;
        if (c != null) {
            LOG.warnf("Redis unreachable (%s): usage events stay in the journal until it answers again", why);
            c.close();
        }
    }

    /** Damaged records the journal skipped: lost usage, counted once. */
    private void reportLost() {
        long lost = journal.lost();
        if (lost > lostReported) {
            dropped.increment(lost - lostReported);
            lostReported = lost;
        }
    }

    /**
     * On shutdown, the shipper sends what is left for up to two seconds (if Redis answers); whatever remains stays in
     * the journal for the next process to use the directory.
     */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        Thread t = shipper;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(3));
                if (t.isAlive()) {
                    t.interrupt(); // waiting on Redis: what it was sending stays in the journal
                    t.join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // events kept in memory get a last chance in the journal (the disk may have room again), for the next process
        int lost = 0;
        for (byte[] line; (line = unjournaled.poll()) != null; ) {
            int tab = indexOfTab(line);
            byte[] json = tab < 0 ? line : java.util.Arrays.copyOf(line, tab);
            String settlement = tab < 0 ? null : new String(line, tab + 1, line.length - tab - 1, StandardCharsets.UTF_8);
            if (!journal.append(json, settlement)) {
                lost++;
            }
        }
        unjournaledCount.set(0);
        if (lost > 0) {
            LOG.errorf("%d usage events kept in memory (the journal refused them) are lost at shutdown", lost);
            dropped.increment(lost);
        }
        journal.close();
        RedisConnection c = connection;
        if (c != null) {
            c.close();
        }
        client.close();
    }
}
