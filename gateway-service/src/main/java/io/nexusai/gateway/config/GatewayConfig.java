package io.nexusai.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Gateway settings ({@code nexus.gateway.*}). */
@ConfigMapping(prefix = "nexus.gateway")
public interface GatewayConfig {
    /** Largest request body accepted; larger ones get 413 in OpenAI's error format. */
    @WithDefault("8M")
    io.quarkus.runtime.configuration.MemorySize maxBodySize();

    /**
     * Most requests (streams included) one replica holds at once; beyond it a request gets 503
     * {@code server_overloaded} with {@code Retry-After}. Unset or 0: derived from the heap (a quarter of the
     * maximum heap at 32 KiB a request, at least 64).
     */
    java.util.OptionalInt maxInFlight();

    /**
     * Most bytes of request bodies one replica holds at once (bodies being read or in requests alive); a request
     * whose body does not fit gets 503 {@code server_overloaded} with {@code Retry-After}. Unset or 0: a sixteenth
     * of the maximum heap (a parsed body takes a few times its size in the heap), and at least one body of
     * {@link #maxBodySize()}.
     */
    java.util.Optional<io.quarkus.runtime.configuration.MemorySize> maxBodyBytesInFlight();

    /** Cross-origin access of browser apps to the model APIs ({@code nexus.gateway.cors.*}); off unless origins are set. */
    Cors cors();

    /** CORS of the {@code /v1} APIs, so that a web page can call the gateway with a (short-lived session) key. */
    interface Cors {
        /**
         * Origins whose pages may call the {@code /v1} APIs ({@code NEXUS_GATEWAY_CORS_ORIGINS}, comma-separated, e.g.
         * {@code https://app.example.com}; {@code *} for any). Unset: no cross-origin access — preflights get 405 and
         * answers carry no {@code Access-Control-Allow-Origin}, so browsers refuse them. Credentials (cookies) are
         * never allowed: the APIs authenticate by key.
         */
        java.util.Optional<java.util.List<String>> origins();

        /**
         * Whether a tenant's own origins (the tenant's {@code cors_origins}, set through the admin API) are honoured
         * for requests made with its keys ({@code NEXUS_GATEWAY_CORS_TENANT_ORIGINS}). A preflight carries no key, so
         * with this on, preflights of any origin are answered (they grant nothing); the request itself is refused
         * with 403 {@code origin_not_allowed} unless its origin is allowed here or by the key's tenant.
         */
        @WithDefault("true")
        boolean tenantOrigins();

        /** How long a browser may cache a preflight's answer. */
        @WithDefault("10M")
        Duration maxAge();
    }

    /**
     * Longest a route table pull from routing-service may take, answer headers and the whole streamed body
     * ({@code NEXUS_ROUTES_PULL_TIMEOUT}); a pull cut off keeps the last good table. A whole table of 100,000 aliases
     * is ~19 MB (docs/benchmarks.md).
     */
    @WithDefault("30s")
    Duration routesPullTimeout();

    /** How often the gateway publishes its targets' health reports (only the changed ones) to Redis. */
    @WithDefault("2s")
    Duration healthReportEvery();

    /**
     * Most targets whose only change is their successes and latency one health publish reports
     * ({@code NEXUS_GATEWAY_HEALTH_REPORT_MAX_TARGETS}); past it the longest unreported go first and the rest wait
     * for the next publishes. Breaker changes, new failures and removed targets are always reported at once.
     */
    @WithDefault("1000")
    int healthReportMaxTargets();

    /** Approximate length the health report stream is capped at ({@code XADD MAXLEN ~}). */
    @WithDefault("1000")
    int healthStreamMaxLength();

    /**
     * How long a target that left the route table keeps its breaker and counters before it is evicted
     * ({@code NEXUS_GATEWAY_RETIRED_TARGET_RETENTION}); one added back later starts anew.
     */
    @WithDefault("10m")
    Duration retiredTargetRetention();

    /** Full route-snapshot resync period (besides change events). */
    @WithDefault("30s")
    Duration routeResync();

    /**
     * Where the last good route snapshot is kept (encrypted provider keys only), so a gateway restarted while
     * the control plane is down can still serve. Unset: not kept.
     */
    Optional<String> snapshotFile();

    /** Base URL of metering-service, whose usage API the gateway relays to clients ({@code NEXUS_METERING_SERVICE_URL}). */
    @WithDefault("http://localhost:8084")
    String meteringUrl();

    /**
     * The usage journal (called spool by earlier versions, whose settings it keeps): every usage event is written
     * there before its response ends, and kept until Redis has it.
     */
    UsageSpool usageSpool();

    /** The on-disk journal of usage events ({@code nexus.gateway.usage-spool.*}). */
    interface UsageSpool {
        /**
         * Directory of the journal: one per Redis and namespace; replicas may share it (in Kubernetes an emptyDir,
         * which outlives a container's restart, or a ReadWriteMany volume so that a surviving pod ships a dead one's).
         */
        @WithDefault("${java.io.tmpdir}/nexus-usage-spool")
        String dir();

        /**
         * Past this much on disk (Redis away for long), further events are kept in memory only
         * (nexus_usage_journal_errors_total), then counted as lost (nexus_usage_events_dropped_total).
         */
        @WithDefault("1G")
        io.quarkus.runtime.configuration.MemorySize maxSize();

        /**
         * Size at which an event loop's journal segment is closed and a new file started; a segment is deleted once
         * Redis has acknowledged all of it.
         */
        @WithDefault("4M")
        io.quarkus.runtime.configuration.MemorySize segmentSize();
    }

    /** Upstream connections. */
    Upstream upstream();

    /** Upstream HTTP client settings. */
    interface Upstream {
        /** TCP connect timeout of the pool's connections (each alias also sets its own per attempt). */
        @WithDefault("5s")
        Duration connectTimeout();


        /**
         * Pooled connections per upstream host and event loop (each event loop has its own pool). Unset or 0: the
         * replica's bound of requests in flight, since every request in flight (a held stream above all) may hold
         * one: a smaller pool makes the requests beyond it wait for a connection until their timeout.
         */
        java.util.OptionalInt maxConnectionsPerHost();

        /** Idle pooled connections are closed after this. */
        @WithDefault("60s")
        Duration idleTimeout();
    }
    /** Rate limits, quotas and budgets ({@code nexus.gateway.limits.*}). */
    Limits limits();

    /** How the gateway enforces the rate limits, token quotas and cost budgets of keys, tenants and deployments. */
    interface Limits {
        /** Off: nothing is limited or reserved (usage is still counted). */
        @WithDefault("true")
        boolean enabled();

        /** Longest wait for the shared limiter in Redis before this replica decides on its own. */
        @WithDefault("250ms")
        Duration redisTimeout();

        /** After Redis failed to answer, how long this replica decides alone before asking Redis again. */
        @WithDefault("1s")
        Duration redisRetry();

        /**
         * Share of each limit one replica may use while it decides alone (Redis unreachable): 1.0 lets every
         * replica admit the whole limit; 1/replicas keeps the sum at the limit.
         */
        @WithDefault("1.0")
        double localShare();

        /** Output tokens reserved for a chat request that sets no max_tokens (its worst case is unknown). */
        @WithDefault("4096")
        int defaultMaxTokens();

        /**
         * Extra share of the estimated prompt tokens reserved against token limits and budgets, for providers
         * whose tokenizer counts more than ours.
         */
        @WithDefault("0.1")
        double promptMargin();
    }

    /** Anomalous request detection ({@code nexus.gateway.anomalies.*}). */
    Anomalies anomalies();

    /**
     * Counting and recording of anomalous requests: auth failures, bad signatures, oversized and malformed requests,
     * and per-key rate spikes ({@code nexus_anomalies_total{type}} and the anomaly stream read by the admin API).
     */
    interface Anomalies {
        /** Off: nothing is counted, tracked or recorded. */
        @WithDefault("true")
        boolean enabled();

        /** Entries kept on the anomaly stream in Redis (approximately: {@code XADD MAXLEN ~}). */
        @WithDefault("10000")
        int streamMaxLength();

        /** How often the anomalies seen since the last write are written to Redis, aggregated per type and caller. */
        @WithDefault("1s")
        Duration flushEvery();

        /**
         * Most entries written per flush (aggregates of type, tenant, key and client address); anomalies of further
         * callers in the same period are counted in the metric only.
         */
        @WithDefault("200")
        int maxEntriesPerFlush();

        /** Per-key request rate spikes. */
        RateSpike rateSpike();

        /**
         * A key's requests per interval compared with its own moving baseline (an exponentially weighted average of
         * its past intervals): a spike is flagged, once per key and interval, when the count passes both
         * {@code factor} × baseline and {@code floor}.
         */
        interface RateSpike {
            @WithDefault("true")
            boolean enabled();

            /** Length of one counting interval. */
            @WithDefault("1m")
            Duration interval();

            /** How many times the baseline a key's count must pass. */
            @WithDefault("5.0")
            double factor();

            /** Fewest requests in one interval that can be a spike, whatever the baseline. */
            @WithDefault("100")
            long floor();

            /** Weight of the latest interval in the baseline (0 to 1; higher forgets faster). */
            @WithDefault("0.2")
            double alpha();

            /** Intervals a key must have been tracked before it can spike (its baseline is still forming before). */
            @WithDefault("5")
            int warmupIntervals();

            /** Most keys tracked at once; beyond it new keys are not tracked until idle ones are evicted. */
            @WithDefault("100000")
            int maxKeys();

            /** A key without requests for this many intervals is forgotten (its baseline with it). */
            @WithDefault("60")
            int idleIntervals();
        }
    }
}
