package io.nexusai.gateway.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.config.RedisConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.nexusai.gateway.limits.Scripts;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends usage events to the Redis Stream that metering-service consumes ({@code XADD <stream> * e <json>}),
 * without the client ever waiting: events are queued and sent in pipelined batches on a dedicated connection.
 * When Redis is unreachable they go to a bounded spool on disk ({@link UsageSpool}) and are replayed, oldest
 * first, once Redis answers again; a file left by a gateway that died is replayed by the next one to start. A
 * replayed event that had in fact reached Redis is harmless: metering stores each request id once.
 */
@ApplicationScoped
public class UsageEmitter {
    private static final Logger LOG = Logger.getLogger(UsageEmitter.class);
    private static final int BATCH = 512;
    private static final long RECONNECT_MS = 1000;

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final String stream;
    private final String reservations;
    private final String reservationExpiries;
    private final Redis client;
    private final UsageSpool spool;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final AtomicLong spooled = new AtomicLong();
    private final Counter dropped;
    private Context context;
    private RedisConnection connection;
    private boolean inFlight;
    private boolean replaying;
    private boolean stopped;
    private FileLock ownerLock;

    public UsageEmitter(Vertx vertx, ObjectMapper mapper, PlatformSecrets secrets, RedisConfig redis, GatewayConfig config,
                        MeterRegistry registry) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.stream = secrets.redisNames().usageStream();
        this.reservations = secrets.redisNames().reservations();
        this.reservationExpiries = secrets.redisNames().reservationExpiries();
        this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url()).setMaxPoolSize(1)
                .setPoolName("nexus-usage"));
        String owner = ManagementFactory.getRuntimeMXBean().getName().replaceAll("[^A-Za-z0-9]", "_");
        this.spool = new UsageSpool(Path.of(config.usageSpool().dir()), owner, config.usageSpool().maxSize().asLongValue());
        Gauge.builder("nexus.usage.events.spooled", spooled, AtomicLong::get)
                .description("Usage events waiting on disk for Redis to come back").register(registry);
        this.dropped = Counter.builder("nexus.usage.events.dropped")
                .description("Usage events lost because the spool was full").register(registry);
    }

    void start(@Observes StartupEvent event) {
        ownerLock = spool.lockOwner();
        context = vertx.getOrCreateContext();
        context.runOnContext(v -> connect());
    }

    /** Queues an event; returns at once. */
    public void emit(UsageEvent event) {
        emit(event, null);
    }

    /**
     * Queues an event with the settlement of its request's limits ({@link io.nexusai.gateway.limits.Charge#settlement}),
     * which goes to Redis in the same pipelined batch (and, while Redis is away, to the spool with the event).
     */
    public void emit(UsageEvent event, String settlement) {
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            LOG.errorf("usage event %s not serialisable: %s", event.requestId(), e.getMessage());
            return;
        }
        queue.add(settlement == null ? json : json + '\t' + settlement);
        if (flushScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> flush());
        }
    }

    /** Events currently waiting on disk. */
    public long spooled() {
        return spooled.get();
    }

    /** Whether events currently go straight to Redis. */
    public boolean connected() {
        return connection != null;
    }

    private void flush() {
        flushScheduled.set(false);
        if (inFlight) {
            return;
        }
        List<String> batch = drain();
        if (batch.isEmpty()) {
            return;
        }
        inFlight = true;
        RedisConnection c = connection;
        if (c == null || replaying) {
            spoolBatch(batch).onComplete(v -> {
                if (connection != null && !replaying) {
                    replay();
                }
                afterBatch();
            });
            return;
        }
        send(c, batch).onComplete(sent -> {
            if (sent.failed()) {
                redisLost("sending usage events failed: " + sent.cause().getMessage());
                spoolBatch(batch).onComplete(v -> afterBatch());
            } else {
                afterBatch();
            }
        });
    }

    private void afterBatch() {
        inFlight = false;
        if (!queue.isEmpty()) {
            flush();
        }
    }

    private List<String> drain() {
        List<String> batch = new ArrayList<>(Math.min(BATCH, 64));
        String e;
        while (batch.size() < BATCH && (e = queue.poll()) != null) {
            batch.add(e);
        }
        return batch;
    }

    private Future<Void> send(RedisConnection c, List<String> events) {
        List<Request> requests = new ArrayList<>(events.size());
        for (String line : events) {
            int tab = line.indexOf('\t');
            requests.add(Request.cmd(Command.XADD).arg(stream).arg("*").arg("e").arg(tab < 0 ? line : line.substring(0, tab)));
            if (tab >= 0) {
                Request settle = Scripts.settle(line.substring(tab + 1), reservations, reservationExpiries);
                if (settle != null) {
                    requests.add(settle);
                }
            }
        }
        return c.batch(requests).mapEmpty();
    }

    private Future<Void> spoolBatch(List<String> events) {
        return vertx.executeBlocking(() -> spool.append(events), true).map(written -> {
            spooled.addAndGet(written);
            if (written < events.size()) {
                dropped.increment(events.size() - written);
                LOG.errorf("usage spool full: %d usage events lost", events.size() - written);
            }
            return (Void) null;
        }).recover(e -> {
            dropped.increment(events.size());
            LOG.errorf("usage spool unwritable (%s): %d usage events lost", e.getMessage(), events.size());
            return Future.succeededFuture();
        });
    }

    private void connect() {
        if (stopped) {
            return;
        }
        // the settlement script is loaded on every (re)connect: a restarted Redis has forgotten it
        client.connect().compose(c -> c.send(Scripts.SETTLE.load()).map(loaded -> c).onFailure(e -> c.close())).onSuccess(c -> {
            c.exceptionHandler(e -> redisLost("connection error: " + e.getMessage()));
            c.endHandler(v -> redisLost("connection closed"));
            connection = c;
            replay();
        }).onFailure(e -> vertx.setTimer(RECONNECT_MS, id -> connect()));
    }

    private void redisLost(String why) {
        if (connection == null) {
            return;
        }
        LOG.warnf("Redis unreachable (%s): usage events are spooled to disk until it answers again", why);
        RedisConnection c = connection;
        connection = null;
        c.close();
        vertx.setTimer(RECONNECT_MS, id -> connect());
    }

    /** Sends every sealed spool file to Redis, oldest first, deleting each once sent. */
    private void replay() {
        if (replaying) {
            return;
        }
        replaying = true;
        vertx.executeBlocking(() -> {
            spool.seal();
            return spool.replayable();
        }, true).compose(files -> replayFiles(files).map(v -> files.size())).onComplete(done -> {
            replaying = false;
            if (done.failed()) {
                LOG.debugf("usage replay interrupted: %s", done.cause().getMessage());
            } else if (done.result() == 0) {
                spooled.set(0);
            } else if (connection != null) {
                replay(); // events spooled while this round ran
                return;
            }
            flush();
        });
    }

    private Future<Void> replayFiles(List<Path> files) {
        Future<Void> chain = Future.succeededFuture();
        for (Path file : files) {
            chain = chain.compose(v -> vertx.executeBlocking(() -> UsageSpool.read(file), true)
                    .compose(this::sendAll)
                    .compose(n -> vertx.executeBlocking(() -> {
                        UsageSpool.delete(file);
                        return n;
                    }, true))
                    .map(n -> {
                        long left = spooled.addAndGet(-n);
                        if (left < 0) {
                            spooled.set(0);
                        }
                        LOG.infof("replayed %d spooled usage events from %s", n, file.getFileName());
                        return (Void) null;
                    }));
        }
        return chain;
    }

    private Future<Integer> sendAll(List<String> events) {
        Future<Void> chain = Future.succeededFuture();
        for (int from = 0; from < events.size(); from += BATCH) {
            List<String> batch = events.subList(from, Math.min(events.size(), from + BATCH));
            chain = chain.compose(v -> {
                RedisConnection c = connection;
                return c == null ? Future.failedFuture("Redis went away during replay") : send(c, batch);
            });
        }
        return chain.map(v -> events.size());
    }

    /** On shutdown, what is still queued goes to Redis if it answers within two seconds, else to the spool. */
    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        List<String> rest = new ArrayList<>(queue);
        queue.clear();
        if (!rest.isEmpty()) {
            boolean sent = false;
            RedisConnection c = connection;
            if (c != null) {
                try {
                    send(c, rest).toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
                    sent = true;
                } catch (Exception e) {
                    LOG.warnf("usage events not sent at shutdown: %s", e.getMessage());
                }
            }
            if (!sent) {
                spool.append(rest);
            }
        }
        spool.seal();
        try {
            if (ownerLock != null) {
                ownerLock.release();
                ownerLock.channel().close();
            }
        } catch (java.io.IOException ignored) {
            // the lock goes with the process anyway
        }
        client.close();
    }

}
