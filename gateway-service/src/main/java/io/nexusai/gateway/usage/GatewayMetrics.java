package io.nexusai.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's request metrics (deploy/prometheus/metrics.tsv):
 * <ul>
 *   <li>{@code nexus_requests_total{provider,model,status}} and the {@code nexus_latency_seconds} histogram;</li>
 *   <li>{@code nexus_upstream_latency_seconds{provider,model}}: time spent waiting on providers, all attempts;</li>
 *   <li>{@code nexus_time_to_first_token_seconds{provider,model}}: streams, request start to the first content chunk;</li>
 *   <li>{@code nexus_gateway_overhead_seconds{model}}: total latency minus the upstream wait;</li>
 *   <li>{@code nexus_tokens_total{provider,model,type}} and {@code nexus_cost_total{provider,model}}: what was metered;</li>
 *   <li>{@code nexus_active_streams}: streaming responses in progress.</li>
 * </ul>
 * Label values are bounded: provider names and aliases come from configuration (unknown aliases are reported as
 * "unknown"), never from raw client input or key ids; and at most {@code nexus.metrics.max-aliases} aliases
 * ({@code NEXUS_METRICS_MAX_ALIASES}, default {@value #DEFAULT_MAX_ALIASES}) get a {@code model} label of their
 * own, first come first served for the life of the process; requests of any further alias are recorded under
 * {@code model="other"}, and {@code nexus_metrics_aliases_folded_total} counts the aliases folded so. Each alias
 * with a label costs ~22 meters (~20 KB of heap, ~70 lines per scrape); a folded one a map entry (~100 bytes) while
 * the route table has it ({@link #forgetFolded}: a forgotten alias used again is folded and counted again).
 * <p>
 * Hot path: the series of a request (its alias and provider) is memoised on the target that answered it (found in
 * the string-keyed maps of aliases and of their providers on a target's first request only), the alias's label holder
 * ({@link Alias}: its label and overhead timer) reached from the series, a series' meters in an array indexed by
 * status; each meter is registered
 * once, on first use; nothing is allocated and no string built per request.
 */
@Singleton
public class GatewayMetrics {
    /** The {@code type} label of {@code nexus_tokens_total}, by index. */
    private static final String[] TOKEN_TYPES = {"prompt", "completion", "cached", "cache_write", "reasoning"};
    private static final Duration[] BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(120)};
    /** The gateway's own share is usually well under a millisecond: finer buckets at the low end. */
    private static final Duration[] OVERHEAD_BUCKETS = {
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5)};
    private static final int STATUSES = 600;

    /** Aliases with a {@code model} label of their own, by default: ~4 MB of meters, ~15,000 scrape lines. */
    public static final int DEFAULT_MAX_ALIASES = 200;
    /** The {@code model} label of aliases past the bound. */
    public static final String OTHER = "other";
    /** The {@code provider} label of requests that reached no deployment. */
    public static final String NONE = "none";
    /** The {@code model} label of requests that named no known alias. */
    public static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final int maxAliases;
    /** Alias -> its label holder: its own (at most maxAliases of them), or the shared {@link #other} one. */
    private final ConcurrentHashMap<String, Alias> aliases = new ConcurrentHashMap<>();
    private final AtomicInteger labelled = new AtomicInteger();
    private final Alias other;
    private final Alias unknown;
    private final Counter folded;
    private final LongAdder activeStreams = new LongAdder();

    @Inject
    public GatewayMetrics(MeterRegistry registry,
                          @ConfigProperty(name = "nexus.metrics.max-aliases", defaultValue = "" + DEFAULT_MAX_ALIASES) int maxAliases) {
        if (maxAliases < 0) {
            throw new IllegalArgumentException("nexus.metrics.max-aliases (NEXUS_METRICS_MAX_ALIASES) must be 0 or more, not " + maxAliases);
        }
        this.registry = registry;
        this.maxAliases = maxAliases;
        this.other = new Alias(OTHER);
        this.unknown = new Alias(UNKNOWN);
        this.folded = Counter.builder("nexus.metrics.aliases.folded")
                .description("Aliases recorded under model=\"other\" because nexus.metrics.max-aliases aliases already had a label")
                .register(registry);
        Gauge.builder("nexus.active.streams", activeStreams, LongAdder::sum)
                .description("Streaming responses in progress").register(registry);
    }

    /** With the default bound ({@value #DEFAULT_MAX_ALIASES} aliases). */
    public GatewayMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_MAX_ALIASES);
    }

    /**
     * The {@code model} label of an alias and the meters under it: the alias's own label while fewer than
     * {@code nexus.metrics.max-aliases} aliases have one (or if it already has one), else {@code other}.
     */
    public final class Alias {
        private final String label;
        private final ConcurrentHashMap<String, Series> byProvider = new ConcurrentHashMap<>();
        private volatile Timer overhead;

        Alias(String label) {
            this.label = label;
        }

        /** The {@code model} label value: the alias, {@code other} or {@code unknown}. */
        public String label() {
            return label;
        }

        /** The meters of this label and a provider name ("none" when no deployment was reached). */
        public Series series(String provider) {
            Series s = byProvider.get(provider);
            if (s == null) {
                s = byProvider.computeIfAbsent(provider, p -> new Series(p, this));
            }
            return s;
        }

        private Timer overhead() {
            Timer t = overhead;
            if (t == null) {
                t = overhead = Timer.builder("nexus.gateway.overhead")
                        .description("Total latency minus time spent waiting on providers")
                        .tag("model", label).serviceLevelObjectives(OVERHEAD_BUCKETS).register(registry);
            }
            return t;
        }
    }

    /** The label holder of an alias ("unknown" or null: a request that named no known alias). */
    public Alias alias(String alias) {
        if (alias == null || UNKNOWN.equals(alias)) {
            return unknown;
        }
        Alias a = aliases.get(alias);
        if (a == null) {
            a = aliases.computeIfAbsent(alias, this::admit);
        }
        return a;
    }

    /** Runs once per alias (inside computeIfAbsent): a label of its own if one is left, else {@code other}. */
    private Alias admit(String alias) {
        if (labelled.getAndUpdate(n -> n < maxAliases ? n + 1 : n) < maxAliases) {
            return new Alias(alias);
        }
        folded.increment();
        return other;
    }

    /**
     * Forgets the aliases folded into {@code other} that {@code configured} no longer has (the route table's aliases),
     * so that a catalogue's churn does not grow this gateway's map of aliases: each folded alias ever used held an
     * entry (~100 bytes) for the life of the process. Aliases with a label of their own keep it. A forgotten alias that
     * is used again is folded (and counted in {@code nexus_metrics_aliases_folded_total}) again. Returns how many
     * were forgotten.
     */
    public int forgetFolded(java.util.function.Predicate<String> configured) {
        int forgotten = 0;
        for (var e : aliases.entrySet()) {
            if (e.getValue() == other && !configured.test(e.getKey()) && aliases.remove(e.getKey(), other)) {
                forgotten++;
            }
        }
        return forgotten;
    }

    /** Whether this gateway holds an entry for the alias (labelled or folded). */
    public boolean holds(String alias) {
        return aliases.containsKey(alias);
    }

    /** Aliases with a label of their own so far (at most {@code nexus.metrics.max-aliases}). */
    public int labelledAliases() {
        return labelled.get();
    }

    /** The meters of one (provider, alias) pair; each registered on first use, so unused ones export nothing. */
    public final class Series {
        private final String provider;
        private final Alias alias;
        private final String model;
        private final AtomicReferenceArray<StatusMeters> byStatus = new AtomicReferenceArray<>(STATUSES);
        private volatile Timer upstream;
        private volatile Timer firstToken;
        private final AtomicReferenceArray<Counter> tokens = new AtomicReferenceArray<>(TOKEN_TYPES.length);
        private volatile Counter cost;

        Series(String provider, Alias alias) {
            this.provider = provider;
            this.alias = alias;
            this.model = alias.label();
        }

        /** The label holder these meters are of (its {@code model} label and overhead timer). */
        public Alias alias() {
            return alias;
        }

        private StatusMeters status(int status) {
            int i = status < 0 || status >= STATUSES ? 0 : status;
            StatusMeters m = byStatus.get(i);
            if (m == null) {
                String s = Integer.toString(i);
                m = new StatusMeters(
                        Counter.builder("nexus.requests").description("Total API requests")
                                .tag("provider", provider).tag("model", model).tag("status", s).register(registry),
                        Timer.builder("nexus.latency").description("API latency distribution")
                                .tag("provider", provider).tag("model", model).tag("status", s)
                                .serviceLevelObjectives(BUCKETS).register(registry));
                // registering twice returns the same meters: a race here only builds a throw-away holder
                byStatus.compareAndSet(i, null, m);
            }
            return m;
        }

        private Timer upstream() {
            Timer t = upstream;
            if (t == null) {
                t = upstream = Timer.builder("nexus.upstream.latency")
                        .description("Time spent waiting on providers, summed over the attempts of a request")
                        .tag("provider", provider).tag("model", model).serviceLevelObjectives(BUCKETS).register(registry);
            }
            return t;
        }

        private Timer firstToken() {
            Timer t = firstToken;
            if (t == null) {
                t = firstToken = Timer.builder("nexus.time.to.first.token")
                        .description("Streams: from the request to the first content chunk sent to the client")
                        .tag("provider", provider).tag("model", model).serviceLevelObjectives(BUCKETS).register(registry);
            }
            return t;
        }

        private Counter tokens(int type) {
            Counter c = tokens.get(type);
            if (c == null) {
                c = Counter.builder("nexus.tokens")
                        .description("Tokens metered, by type (prompt, completion; parts of them: cached, cache_write, reasoning)")
                        .tag("provider", provider).tag("model", model).tag("type", TOKEN_TYPES[type]).register(registry);
                tokens.compareAndSet(type, null, c); // registering twice returns the same counter
            }
            return c;
        }

        private Counter cost() {
            Counter c = cost;
            if (c == null) {
                c = cost = Counter.builder("nexus.cost").description("Cost metered at the route's prices (currency units)")
                        .tag("provider", provider).tag("model", model).register(registry);
            }
            return c;
        }
    }

    private record StatusMeters(Counter requests, Timer latency) {
    }

    /**
     * The meters of a request's route ({@code null}: none reached, the {@code model} label "unknown") and the target that
     * answered it ({@code null}: no deployment was reached, the provider label "none"): memoised on the target, which
     * belongs to one alias and one provider for its life, so that a request finds them (and through
     * {@link Series#alias()} its alias's label holder) without the string-keyed maps of every alias and of an alias's
     * providers, cache-cold at catalogue size. A target compiled anew after a change looks them up once (the same ones).
     */
    public Series series(RouteTable.Route route, Target target) {
        if (target == null) {
            return series(NONE, route == null ? null : route.alias());
        }
        Series s = target.series();
        if (s == null) {
            s = series(target.deployment().providerName(), route.alias());
            target.series(s);
        }
        return s;
    }

    /** The meters of a provider name ("none" when no deployment was reached) and an alias ("unknown" if none). */
    public Series series(String provider, String alias) {
        return alias(alias).series(provider);
    }

    /** Counts one request and its total latency. */
    public void request(Series s, int status, long nanos) {
        StatusMeters m = s.status(status);
        m.requests.increment();
        m.latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts one request and its total latency. */
    public void request(String provider, String model, int status, long nanos) {
        request(series(provider, model), status, nanos);
    }

    /** The time a request spent waiting on providers (only for requests that called one). */
    public void upstream(Series s, long nanos) {
        s.upstream().record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A stream's time from the request to its first content chunk. */
    public void firstToken(Series s, long nanos) {
        s.firstToken().record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The gateway's own share of a request: total minus the upstream wait (never negative). */
    public void overhead(Alias alias, long totalNanos, long upstreamNanos) {
        alias.overhead().record(overheadNanos(totalNanos, upstreamNanos), TimeUnit.NANOSECONDS);
    }

    /** The same, by alias name. */
    public void overhead(String alias, long totalNanos, long upstreamNanos) {
        overhead(alias(alias), totalNanos, upstreamNanos);
    }

    /** Total minus upstream wait, clamped at zero (the two clocks are read at slightly different moments). */
    static long overheadNanos(long totalNanos, long upstreamNanos) {
        return Math.max(0, totalNanos - Math.max(0, upstreamNanos));
    }

    /** What a request was metered with: tokens and their cost in currency units (0 when unpriced). */
    public void metered(Series s, long promptTokens, long completionTokens, double cost) {
        metered(s, new TokenUsage(promptTokens, completionTokens, false), cost);
    }

    /**
     * The same with the parts of the counts: cached and cache-write tokens (of the prompt) and reasoning tokens (of
     * the completion) are counted under their own types too.
     */
    public void metered(Series s, TokenUsage usage, double cost) {
        long[] counts = {usage.promptTokens(), usage.completionTokens(), usage.cachedTokens(), usage.cacheWriteTokens(),
                usage.reasoningTokens()};
        for (int type = 0; type < counts.length; type++) {
            if (counts[type] > 0) {
                s.tokens(type).increment(counts[type]);
            }
        }
        if (cost > 0) {
            s.cost().increment(cost);
        }
    }

    /** A streaming response began. */
    public void streamStarted() {
        activeStreams.increment();
    }

    /** A streaming response ended, however it ended. */
    public void streamEnded() {
        activeStreams.decrement();
    }
}
