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

    /** Whether usage totals are read from the minute/day rollups where the filter allows (else from events). */
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
}
