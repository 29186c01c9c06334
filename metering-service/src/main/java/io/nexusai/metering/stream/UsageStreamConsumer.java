package io.nexusai.metering.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads usage events from the Redis Stream as a member of the {@code metering} consumer group and stores them.
 *
 * <p>Exactly-once effect: a batch is inserted in one transaction, idempotently by request id, and the stream
 * entries are acknowledged only after the commit. A crash between commit and acknowledgement means
 * redelivery, which the request-id key absorbs. At start the consumer first re-reads its own pending
 * entries; periodically it claims entries left pending by other (dead) consumers (XAUTOCLAIM).
 */
@ApplicationScoped
public class UsageStreamConsumer {
    private static final Logger LOG = Logger.getLogger(UsageStreamConsumer.class);
    static final String FIELD = "e";

    private final ReactiveStreamCommands<String, String, String> streams;
    private final UsageRepository usage;
    private final PriceBook prices;
    private final ObjectMapper mapper;
    private final MeteringConfig config;
    private final Vertx vertx;
    private final String stream;
    private final String group;
    private final String consumer;
    private final AtomicLong stored = new AtomicLong();
    private volatile boolean stopped;
    private long claimTimer = -1;

    public UsageStreamConsumer(ReactiveRedisDataSource redis, UsageRepository usage, PriceBook prices, ObjectMapper mapper,
                               MeteringConfig config, Vertx vertx, PlatformSecrets secrets,
                               @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.streams = redis.stream(String.class, String.class, String.class);
        this.usage = usage;
        this.prices = prices;
        this.mapper = mapper;
        this.config = config;
        this.vertx = vertx;
        this.stream = secrets.redisNames().usageStream();
        this.group = secrets.redisNames().meteringGroup();
        this.consumer = config.consumerName().orElseGet(() -> hostname() + ":" + httpPort);
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("consuming %s as %s/%s", stream, group, consumer);
        ensureGroup().subscribe().with(v -> readOwnPending(), f -> retryLater("group setup", f, this::startAgain));
        claimTimer = vertx.setPeriodic(config.claimEvery().toMillis(), id -> claimAbandoned());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (claimTimer >= 0) {
            vertx.cancelTimer(claimTimer);
        }
    }

    /** Events stored by this consumer since start (for tests and metrics). */
    public long stored() {
        return stored.get();
    }

    private void startAgain() {
        ensureGroup().subscribe().with(v -> readOwnPending(), f -> retryLater("group setup", f, this::startAgain));
    }

    private Uni<Void> ensureGroup() {
        return streams.xgroupCreate(stream, group, "0", new XGroupCreateArgs().mkstream())
                .onFailure(f -> f.getMessage() != null && f.getMessage().contains("BUSYGROUP")).recoverWithNull();
    }

    /** Entries delivered to this consumer before a crash and never acknowledged come first. */
    private void readOwnPending() {
        if (stopped) {
            return;
        }
        streams.xreadgroup(group, consumer, stream, "0", new XReadGroupArgs().count(config.batchSize()))
                .flatMap(this::store)
                .subscribe().with(n -> {
                    if (n > 0) {
                        readOwnPending();
                    } else {
                        readNew();
                    }
                }, f -> retryLater("pending read", f, this::readOwnPending));
    }

    private void readNew() {
        if (stopped) {
            return;
        }
        streams.xreadgroup(group, consumer, stream, ">",
                        new XReadGroupArgs().count(config.batchSize()).block(config.blockTimeout()))
                .flatMap(this::store)
                .subscribe().with(n -> readNew(), f -> retryLater("read", f, this::readOwnPending));
    }

    private void claimAbandoned() {
        if (stopped) {
            return;
        }
        streams.xautoclaim(stream, group, consumer, config.claimIdle(), "0-0", config.batchSize())
                .flatMap(claimed -> store(claimed.getMessages()))
                .subscribe().with(n -> {
                    if (n > 0) {
                        LOG.infof("claimed and stored %d entries abandoned by other consumers", n);
                    }
                }, f -> LOG.debugf("claim skipped: %s", f.getMessage()));
    }

    /** Stores a batch, then acknowledges every entry of it (malformed ones too, after logging them). */
    private Uni<Integer> store(List<StreamMessage<String, String, String>> messages) {
        if (messages == null || messages.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<UsageRecord> records = new ArrayList<>(messages.size());
        String[] ids = new String[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage<String, String, String> m = messages.get(i);
            ids[i] = m.id();
            UsageEvent event = parse(m);
            if (event != null) {
                records.add(new UsageRecord(event,
                        prices.cost(event.realModel(), event.promptTokens(), event.completionTokens(), event.costMultiplier()),
                        m.id()));
            }
        }
        return usage.insertAll(records)
                .call(inserted -> streams.xack(stream, group, ids))
                .invoke(inserted -> stored.addAndGet(inserted))
                .map(inserted -> messages.size());
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

    private void retryLater(String what, Throwable f, Runnable again) {
        if (stopped) {
            return;
        }
        LOG.warnf("usage stream %s failed (%s); retrying in 1 s", what, f.getMessage());
        vertx.setTimer(1000, id -> again.run());
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
