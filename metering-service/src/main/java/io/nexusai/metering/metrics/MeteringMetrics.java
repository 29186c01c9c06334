package io.nexusai.metering.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.metering.repository.UsageRecord;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metering metrics, exported at {@code /q/metrics}:
 * <ul>
 *   <li>{@code nexus_metering_events_total{outcome=inserted|duplicate|malformed}} — stream entries stored, skipped
 *       as already stored, or dropped as unreadable;</li>
 *   <li>{@code nexus_metering_batch_seconds} — histogram of the time from a batch read to its acknowledgement;</li>
 *   <li>{@code nexus_metering_lag_events} — entries of the stream the group has not acknowledged yet (pending plus
 *       not delivered), refreshed periodically;</li>
 *   <li>{@code nexus_metering_cost_total{tenant,model}} and {@code nexus_metering_tokens_total{tenant,model,type}} —
 *       what was inserted; {@code type} prompt and completion, and their parts cached and cache_write (of the
 *       prompt) and reasoning (of the completion), which are not to be added to them.</li>
 * </ul>
 * Labels are tenant ids and model aliases — configuration, never key ids or request data — and at most
 * {@code nexus.metering.metrics-max-series} pairs of them; the rest is counted under {@code other}.
 */
@ApplicationScoped
public class MeteringMetrics {
    public static final String OTHER = "other";
    private final MeterRegistry registry;
    private final int maxSeries;
    private final Counter inserted;
    private final Counter duplicate;
    private final Counter malformed;
    private final Timer batch;
    private final AtomicLong lag = new AtomicLong();
    private final Map<Series, SeriesCounters> series = new ConcurrentHashMap<>();

    private record Series(String tenant, String model) {
    }

    private record SeriesCounters(Counter cost, Counter prompt, Counter completion, Counter cached, Counter cacheWrite,
                                  Counter reasoning) {
    }

    public MeteringMetrics(MeterRegistry registry, MeteringConfig config) {
        this.registry = registry;
        this.maxSeries = config.metricsMaxSeries();
        this.inserted = events("inserted");
        this.duplicate = events("duplicate");
        this.malformed = events("malformed");
        this.batch = Timer.builder("nexus.metering.batch")
                .description("Time from reading a batch of usage entries to acknowledging it after the commit")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        Gauge.builder("nexus.metering.lag.events", lag, AtomicLong::get)
                .description("Entries of the usage stream not yet acknowledged by the metering group (pending + undelivered)")
                .register(registry);
    }

    private Counter events(String outcome) {
        return Counter.builder("nexus.metering.events").tag("outcome", outcome)
                .description("Usage stream entries handled, by outcome").register(registry);
    }

    /** Records what one committed batch stored. */
    public void stored(List<UsageRecord> insertedRecords, int duplicates, int malformedEntries) {
        inserted.increment(insertedRecords.size());
        duplicate.increment(duplicates);
        malformed.increment(malformedEntries);
        if (insertedRecords.isEmpty()) {
            return;
        }
        Map<Series, long[]> tokens = new HashMap<>();
        Map<Series, java.math.BigDecimal> cost = new HashMap<>();
        for (UsageRecord r : insertedRecords) {
            UsageEvent e = r.event();
            Series s = new Series(e.tenantId(), e.alias());
            long[] t = tokens.computeIfAbsent(s, k -> new long[5]);
            t[0] += e.promptTokens();
            t[1] += e.completionTokens();
            t[2] += e.cachedTokens();
            t[3] += e.cacheWriteTokens();
            t[4] += e.reasoningTokens();
            cost.merge(s, r.cost().amount(), java.math.BigDecimal::add);
        }
        tokens.forEach((s, t) -> {
            SeriesCounters c = counters(s);
            c.prompt.increment(t[0]);
            c.completion.increment(t[1]);
            c.cached.increment(t[2]);
            c.cacheWrite.increment(t[3]);
            c.reasoning.increment(t[4]);
            c.cost.increment(cost.get(s).doubleValue());
        });
    }

    /** Records the time from reading a batch to acknowledging it. */
    public void batchDone(long nanos) {
        batch.record(Duration.ofNanos(nanos));
    }

    /** Sets the lag gauge. */
    public void lag(long entries) {
        lag.set(entries);
    }

    private SeriesCounters counters(Series s) {
        SeriesCounters c = series.get(s);
        if (c != null) {
            return c;
        }
        Series key = series.size() >= maxSeries ? new Series(OTHER, OTHER) : s;
        return series.computeIfAbsent(key, k -> new SeriesCounters(
                Counter.builder("nexus.metering.cost").tags("tenant", k.tenant(), "model", k.model())
                        .description("Cost of the usage inserted, in the price's currency").register(registry),
                tokenCounter(k, "prompt"), tokenCounter(k, "completion"), tokenCounter(k, "cached"),
                tokenCounter(k, "cache_write"), tokenCounter(k, "reasoning")));
    }

    private Counter tokenCounter(Series k, String type) {
        return Counter.builder("nexus.metering.tokens").tags("tenant", k.tenant(), "model", k.model(), "type", type)
                .description("Tokens of the usage inserted").register(registry);
    }
}
