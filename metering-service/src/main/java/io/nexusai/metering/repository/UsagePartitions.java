package io.nexusai.metering.repository;

import io.nexusai.metering.config.MeteringConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The day partitions of {@code metering.usage_events} (migration V4): at start and every
 * {@code nexus.metering.partition-every}, creates the partitions of the current UTC day and the
 * {@code partitions-ahead} days after it (and of every day the default partition holds rows of, moving them in),
 * then drops the partitions wholly older than {@code usage-retention}. Both steps are SQL functions of V4, each one
 * statement (one transaction) under a PostgreSQL advisory lock: with several replicas, one does a round and the
 * others skip it; every step is idempotent. "Now" is the database's clock, the same for every replica.
 */
@ApplicationScoped
public class UsagePartitions {
    private static final Logger LOG = Logger.getLogger(UsagePartitions.class);

    private static final String CREATE = "SELECT metering.usage_events_create_partitions(COALESCE($1, now()), $2,"
            + " $3::bigint * interval '1 millisecond', $4)";
    private static final String DROP = "SELECT dropped, purged FROM metering.usage_events_drop_partitions(COALESCE($1, now()),"
            + " $2::bigint * interval '1 millisecond', $3)";

    private final Pool pool;
    private final Vertx vertx;
    private final MeteringConfig config;
    private final CompletableFuture<Round> firstRound = new CompletableFuture<>();

    public UsagePartitions(Pool pool, Vertx vertx, MeteringConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    /**
     * What one round did: the partitions created and dropped, and the rows older than the retention deleted from the
     * default partition. Nothing when another replica held the lock.
     */
    public record Round(List<String> created, List<String> dropped, long purgedDefaultRows) {
        static final Round NONE = new Round(List.of(), List.of(), 0);
    }

    void start(@Observes StartupEvent event) {
        long every = config.partitionEvery().toMillis();
        if (every <= 0) {
            firstRound.complete(Round.NONE);
            return;
        }
        maintain(null).subscribe().with(firstRound::complete, firstRound::completeExceptionally);
        vertx.setPeriodic(every, id -> maintain(null).subscribe().with(r -> { }, f -> { }));
    }

    /** The round run at start (completed at once when maintenance is off). */
    public CompletionStage<Round> firstRound() {
        return firstRound;
    }

    /** One round as of {@code now} ({@code null}: the database's clock), with the configured retention. */
    public Uni<Round> maintain(Instant now) {
        return maintain(now, config.usageRetention());
    }

    /** One round as of {@code now} ({@code null}: the database's clock); a zero retention drops nothing. */
    public Uni<Round> maintain(Instant now, Duration retention) {
        OffsetDateTime at = now == null ? null : OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        Long keepMs = retention.isZero() || retention.isNegative() ? null : retention.toMillis();
        String lockTimeout = config.partitionLockTimeout().toMillis() + "ms";
        Uni<List<String>> created = pool.preparedQuery(CREATE).execute(Tuple.of(at, config.partitionsAhead(), keepMs, lockTimeout))
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(row -> out.add(row.getString(0)));
                    return out;
                });
        return created.flatMap(c -> keepMs == null ? Uni.createFrom().item(new Round(c, List.of(), 0))
                        : pool.preparedQuery(DROP).execute(Tuple.of(at, keepMs, lockTimeout)).map(rows -> {
                            List<String> dropped = new ArrayList<>();
                            long purged = 0;
                            for (Row row : rows) {
                                if (row.getString(0) != null) {
                                    dropped.add(row.getString(0));
                                } else {
                                    purged += row.getLong(1);
                                }
                            }
                            return new Round(c, dropped, purged);
                        }))
                .invoke(r -> {
                    if (!r.created().isEmpty() || !r.dropped().isEmpty() || r.purgedDefaultRows() > 0) {
                        LOG.infof("usage partitions created %s, dropped %s; %d rows older than the retention deleted from"
                                + " usage_events_default", r.created(), r.dropped(), r.purgedDefaultRows());
                    }
                })
                .onFailure().invoke(e -> LOG.warnf("usage partition maintenance failed (retried in %s): %s",
                        config.partitionEvery(), e.getMessage()));
    }
}
