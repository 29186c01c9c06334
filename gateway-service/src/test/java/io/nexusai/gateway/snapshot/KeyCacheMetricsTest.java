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
        AtomicLong lookups = new AtomicLong();
        KeyCacheMetrics.register(registry, entries::get, evictions::get, lookups::get);
        assertThat(registry.get("nexus.key.cache.entries").gauge().value()).isZero();
        assertThat(registry.get("nexus.key.cache.evictions").functionCounter().count()).isZero();
        assertThat(registry.get("nexus.key.cache.lookups").functionCounter().count()).isZero();

        entries.set(3);
        evictions.set(7);
        lookups.set(11);
        assertThat(registry.get("nexus.key.cache.lookups").functionCounter().count()).isEqualTo(11);
        assertThat(registry.get("nexus.key.cache.entries").gauge().value()).isEqualTo(3);
        assertThat(registry.get("nexus.key.cache.evictions").functionCounter().count()).isEqualTo(7);
    }

    @Test
    void theBeanKeepsWhatItsMetersReadAfterACollection() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong entries = new AtomicLong(5);
        AtomicLong evictions = new AtomicLong(2);
        AtomicLong lookups = new AtomicLong(9);
        // method references made here and held by nobody but the bean (Micrometer holds its state weakly)
        KeyCacheMetrics bean = new KeyCacheMetrics(registry, entries::get, evictions::get, lookups::get);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(registry.get("nexus.key.cache.entries").gauge().value()).as("read through %s", bean).isEqualTo(5);
        assertThat(registry.get("nexus.key.cache.evictions").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("nexus.key.cache.lookups").functionCounter().count()).isEqualTo(9);
    }
}
