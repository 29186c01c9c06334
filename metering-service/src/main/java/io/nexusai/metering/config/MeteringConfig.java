package io.nexusai.metering.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings of the usage-stream consumer ({@code nexus.metering.*}, e.g. {@code NEXUS_METERING_BATCH_SIZE}). */
@ConfigMapping(prefix = "nexus.metering")
public interface MeteringConfig {
    /** Consumer name in the group; default {@code <hostname>:<http port>}, stable across restarts of one replica. */
    Optional<String> consumerName();

    /** Entries read (and inserted in one statement) per round (docs/benchmarks.md: 2000 with 3 in flight was fastest). */
    @WithDefault("2000")
    int batchSize();

    /**
     * Batches being stored at once: while one is inserted, the next is read and parsed. Each is acknowledged
     * only after its own commit.
     */
    @WithDefault("3")
    int maxInFlight();

    /**
     * After a read that returned less than a full batch, how long to wait before the next read (0 = not at all):
     * a batch then carries what arrived meanwhile. Per event, one large batch costs PostgreSQL far less than many
     * small ones; the price is this much more delay before usage shows in the usage API.
     */
    @WithDefault("200ms")
    Duration linger();

    /** How long one read waits for new entries. */
    @WithDefault("2s")
    Duration blockTimeout();

    /** Entries pending this long on any consumer (e.g. a crashed replica) are claimed by this one. */
    @WithDefault("60s")
    Duration claimIdle();

    /** How often to look for such entries (and for dead consumers to delete). */
    @WithDefault("15s")
    Duration claimEvery();

    /** Consumers of the group idle this long with nothing pending are deleted (XGROUP DELCONSUMER). */
    @WithDefault("1h")
    Duration deleteIdleConsumersAfter();

    /**
     * How often the stream is trimmed to just below the oldest entry any group has not acknowledged
     * (XTRIM MINID); 0 turns trimming off.
     */
    @WithDefault("60s")
    Duration trimEvery();

    /** How often the lag gauge ({@code nexus_metering_lag_events}) is refreshed. */
    @WithDefault("10s")
    Duration lagEvery();

    /** Whether usage totals are read from the minute/hour/day rollups where the filter allows (else from events). */
    @WithDefault("true")
    boolean rollupQueries();

    /**
     * At most this many (tenant, model) label pairs on the cost and token counters; further pairs are counted
     * under {@code tenant="other", model="other"}.
     */
    @WithDefault("1000")
    int metricsMaxSeries();

    /**
     * How often {@code nexus_budget_used_ratio} is recomputed from the usage rollups and the tenants' quotas;
     * 0 turns the gauge off.
     */
    @WithDefault("30s")
    Duration budgetEvery();

    /** How often prices are reloaded (besides price change events). */
    @WithDefault("60s")
    Duration priceRefresh();

    /**
     * How long usage events are kept ({@code NEXUS_USAGE_RETENTION}): a day partition of {@code usage_events} is
     * dropped once it is wholly older than this; the minute, hour and day rollups are never dropped by it. 0 keeps
     * events forever.
     */
    @WithDefault("400d")
    Duration usageRetention();

    /** Day partitions of {@code usage_events} created ahead, after the current UTC day's. */
    @WithDefault("7")
    int partitionsAhead();

    /**
     * How often partitions are created ahead and dropped by the retention (also once at start); 0 turns this
     * maintenance off (events then go to the default partition, and nothing is dropped).
     */
    @WithDefault("1h")
    Duration partitionEvery();

    /**
     * How long a partition maintenance round waits for a lock on the usage tables before leaving that partition to
     * the next round (a long usage query holds one; inserts queue behind a waiting DROP).
     */
    @WithDefault("5s")
    Duration partitionLockTimeout();
}
