package io.nexusai.gateway.snapshot;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.service.auth.PrincipalCache;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

import java.util.function.LongSupplier;

/**
 * The key cache's fill and churn (deploy/prometheus/metrics.tsv): {@code nexus_key_cache_entries}, the valid keys
 * held against {@code nexus.key-cache.max-size}, and {@code nexus_key_cache_evictions_total}, the valid keys the
 * bound pushed out. Evictions that keep rising mean the keys in use do not fit: each costs one more auth-service
 * call on the key's next use (raise the bound or the heap); and {@code nexus_key_cache_lookups_total}, the keys
 * asked of auth-service because they were not cached (alone or in a batch call).
 */
@Startup
@Singleton
public class KeyCacheMetrics {
    /** Held here: Micrometer keeps only weak references to a gauge's state, and a lone method reference is collected. */
    private final LongSupplier entries;
    private final LongSupplier evictions;
    private final LongSupplier lookups;

    @jakarta.inject.Inject
    public KeyCacheMetrics(PrincipalCache principals, MeterRegistry registry) {
        this(registry, principals::size, principals::evictions, principals::lookups);
    }

    KeyCacheMetrics(MeterRegistry registry, LongSupplier entries, LongSupplier evictions, LongSupplier lookups) {
        this.entries = entries;
        this.evictions = evictions;
        this.lookups = lookups;
        register(registry, entries, evictions, lookups);
    }

    static void register(MeterRegistry registry, LongSupplier entries, LongSupplier evictions, LongSupplier lookups) {
        Gauge.builder("nexus.key.cache.entries", entries, LongSupplier::getAsLong)
                .description("Valid keys held by the key cache (app and admin keys, session keys' parents)").register(registry);
        FunctionCounter.builder("nexus.key.cache.evictions", evictions, LongSupplier::getAsLong)
                .description("Valid keys evicted from the key cache by its size bound").register(registry);
        FunctionCounter.builder("nexus.key.cache.lookups", lookups, LongSupplier::getAsLong)
                .description("Keys asked of auth-service because they were not cached (alone or in a batch call)").register(registry);
    }
}
