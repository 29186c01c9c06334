package io.nexusai.api.events;

/**
 * Names of every Redis key and channel NexusAI uses, under one namespace (default {@code nexus}), so that a
 * test or a second installation can share a Redis without colliding. The namespace is a Redis Cluster hash
 * tag ({@code {nexus}:...}), keeping multi-key scripts on one slot.
 */
public record RedisNames(String namespace) {

    public RedisNames {
        if (namespace == null || namespace.isBlank() || namespace.contains("{") || namespace.contains("}")) {
            throw new IllegalArgumentException("Redis namespace must be a non-empty string without braces");
        }
    }

    private String prefix() {
        return "{" + namespace + "}:";
    }

    /** Stream of {@link UsageEvent}s from gateways to metering-service. */
    public String usageStream() {
        return prefix() + "usage";
    }

    /** Consumer group of metering-service on the usage stream. */
    public String meteringGroup() {
        return "metering";
    }

    /** Hash of every gateway's latest {@code TargetReport}s, field {@code <gateway>|<target>}. */
    public String healthHash() {
        return prefix() + "health";
    }

    /** Marker of a used request signature (replay protection). */
    public String replayKey(String signature) {
        return prefix() + "sig:" + signature;
    }

    /**
     * Sliding-window rate limiter of one scope ({@code k} key, {@code t} tenant, {@code d} deployment): a sorted
     * set of the last minute's admitted requests, {@code <tokens>:<request id>} scored by admission time.
     */
    public String limiterWindow(String scope, String id) {
        return prefix() + "rl:" + scope + ":" + id;
    }

    /** The token sum of a {@link #limiterWindow}. */
    public String limiterTokens(String scope, String id) {
        return limiterWindow(scope, id) + ":tok";
    }

    /**
     * Quota counter of one scope and period (e.g. {@code k}, key id, {@code d20261124}): a hash of tokens and
     * cost used ({@code tu}, {@code cu}) and reserved by requests in flight ({@code tr}, {@code cr}); cost in
     * nano-units of the price table's currency.
     */
    public String quota(String scope, String id, String period) {
        return prefix() + "q:" + scope + ":" + id + ":" + period;
    }

    /** Hash of the reservations of requests in flight: request id → {@code "<tokens> <cost> <quota keys...>"}. */
    public String reservations() {
        return prefix() + "resv";
    }

    /** Sorted set of reservation expiries (request id scored by epoch ms), for reservations never settled. */
    public String reservationExpiries() {
        return prefix() + "resv:exp";
    }

    /**
     * Capped stream of recent {@link AnomalyEntry anomalous requests} (auth failures, bad signatures, oversized
     * or malformed requests, rate spikes), written by gateways and read by the admin API.
     */
    public String anomalyStream() {
        return prefix() + "anomalies";
    }

    /** Pub/sub channel of {@link ConfigChange} events. */
    public String configChannel() {
        return prefix() + "config";
    }

    /** A stored Responses API response of a tenant (the gateway's {@code store: true}); expires with its retention. */
    public String storedResponse(String tenantId, String responseId) {
        return prefix() + "resp:" + tenantId + ":" + responseId;
    }
}
