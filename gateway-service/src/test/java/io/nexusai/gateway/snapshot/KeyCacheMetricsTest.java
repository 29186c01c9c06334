package io.nexusai.gateway.snapshot;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class KeyCacheMetricsTest {

    @Test
    void theGaugeAndTheCounterReadTheCacheWhenScraped() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong entries = new AtomicLong();
        AtomicLong evictions = new AtomicLong();
        KeyCacheMetrics.register(registry, entries::get, evictions::get);
        assertThat(registry.get("nexus.key.cache.entries").gauge().value()).isZero();
        assertThat(registry.get("nexus.key.cache.evictions").functionCounter().count()).isZero();

        entries.set(3);
        evictions.set(7);
        assertThat(registry.get("nexus.key.cache.entries").gauge().value()).isEqualTo(3);
        assertThat(registry.get("nexus.key.cache.evictions").functionCounter().count()).isEqualTo(7);
    }
}
