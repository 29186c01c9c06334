package io.nexusai.metering.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings of the usage-stream consumer ({@code nexus.metering.*}). */
@ConfigMapping(prefix = "nexus.metering")
public interface MeteringConfig {
    /** Consumer name in the group; default {@code <hostname>:<http port>}, stable across restarts of one replica. */
    Optional<String> consumerName();

    /** Entries read (and inserted in one batch) per round. */
    @WithDefault("500")
    int batchSize();

    /** How long one read waits for new entries. */
    @WithDefault("2s")
    Duration blockTimeout();

    /** Entries pending this long on any consumer (e.g. a crashed replica) are claimed by this one. */
    @WithDefault("60s")
    Duration claimIdle();

    /** How often to look for such entries. */
    @WithDefault("15s")
    Duration claimEvery();

    /** How often prices are reloaded (besides price change events). */
    @WithDefault("60s")
    Duration priceRefresh();
}
