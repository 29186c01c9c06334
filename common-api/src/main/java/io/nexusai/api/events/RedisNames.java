package io.nexusai.api.events;

/**
 * Names of every Redis key and channel NexusAI uses, under one namespace (default {@code nexus}), so that a
 * test or a second installation can share a Redis without colliding. Every name carries a Redis Cluster hash
 * tag. With {@code tenantSlots} (a Redis Cluster), a tenant's limiter, quota and reservation keys and its stored
 * responses share the tag {@code {<namespace>:t:<tenant>}}, so that tenants spread over the shards while one
 * request's checks stay one script on one shard; the rest (usage stream, health hash, stream and heartbeats, anomaly stream, deployment rate
 * limits, replay markers) is under {@code {<namespace>}}, one slot (each of those is one key, or a set of keys that
 * one script must see together). On one Redis, every key is under {@code {<namespace>}}, as it always was (an upgrade
 * keeps the day's and month's quota counters and the stored responses).
 */
public record RedisNames(String namespace, boolean tenantSlots) {

    /** The names on one Redis: every key under {@code {<namespace>}} (slots do not matter there). */
    public RedisNames(String namespace) {
        this(namespace, false);
    }

    public RedisNames {
        if (namespace == null || namespace.isBlank() || namespace.contains("{") || namespace.contains("}")) {
            throw new IllegalArgumentException("Redis namespace must be a non-empty string without braces");
        }
    }

    private String prefix() {
        return "{" + namespace + "}:";
    }

    /** The prefix of a tenant's keys: on a cluster their own hash tag (one slot per tenant), else the namespace's. */
    private String tenantPrefix(String tenant) {
        return tenantSlots ? "{" + namespace + ":t:" + tenant + "}:" : prefix();
    }

    /**
     * The hash tag of a key (what Redis Cluster hashes it by): the text between its first {@code {}} and the next
     * {@code }}} when that is not empty, else the whole key.
     */
    public static String hashTag(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                return key.substring(open + 1, close);
            }
        }
        return key;
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

    /**
     * Capped stream of the gateways' health report changes ({@code MAXLEN ~}): one entry per publish with the
     * gateway, its sequence number and only the targets whose report changed ({@code HealthReports}); routing-service
     * follows it from its last id and reads {@link #healthHash()} (in pages) only at start or after a gap.
     */
    public String healthStream() {
        return prefix() + "health:changes";
    }

    /** Hash of every gateway's heartbeat, field gateway, value {@code "<epoch ms> <last sequence number>"}. */
    public String healthGateways() {
        return prefix() + "health:gateways";
    }

    /** Marker of a used request signature (replay protection). */
    public String replayKey(String signature) {
        return prefix() + "sig:" + signature;
    }

    /**
     * Sliding-window rate limiter of a key ({@code k}) or tenant ({@code t}) of {@code tenant}: a sorted set of the
     * last minute's admitted requests, {@code <tokens>:<request id>} scored by admission time; on the tenant's slot.
     */
    public String limiterWindow(String tenant, String scope, String id) {
        return tenantPrefix(tenant) + "rl:" + scope + ":" + id;
    }

    /** The token sum of a {@link #limiterWindow}. */
    public String limiterTokens(String tenant, String scope, String id) {
        return limiterWindow(tenant, scope, id) + ":tok";
    }

    /**
     * Sliding window of a deployment's requests per minute, which every tenant shares: on the namespace's slot
     * (all deployments together, since one script picks the first candidate with room).
     */
    public String deploymentWindow(String deploymentId) {
        return prefix() + "rl:d:" + deploymentId;
    }

    /**
     * Quota counter of one scope of {@code tenant} and period (e.g. {@code k}, key id, {@code d20261124}): a hash of
     * tokens and cost used ({@code tu}, {@code cu}) and reserved by requests in flight ({@code tr}, {@code cr}); cost
     * in nano-units of the price table's currency.
     */
    public String quota(String tenant, String scope, String id, String period) {
        return tenantPrefix(tenant) + "q:" + scope + ":" + id + ":" + period;
    }

    /**
     * Hash of a tenant's reservations of requests in flight: request id → {@code "<tokens> <cost> <quota keys...>"}.
     */
    public String reservations(String tenant) {
        return tenantPrefix(tenant) + "resv";
    }

    /** Sorted set of a tenant's reservation expiries (request id scored by epoch ms), for reservations never settled. */
    public String reservationExpiries(String tenant) {
        return tenantPrefix(tenant) + "resv:exp";
    }

    /**
     * The reservations hash on the slot of {@code key} (the hash tag's slot): where the reservation recorded along
     * with a quota key is. Keys written before tenants had tags of their own map to the namespace's hash.
     */
    public static String reservationsOf(String key) {
        return "{" + hashTag(key) + "}:resv";
    }

    /** The reservation expiries on the slot of {@code key} (see {@link #reservationsOf}). */
    public static String reservationExpiriesOf(String key) {
        return "{" + hashTag(key) + "}:resv:exp";
    }

    /** The reservations hash on the namespace's slot (for a deployments-only script, which reserves nothing). */
    public String reservations() {
        return prefix() + "resv";
    }

    /** The reservation expiries on the namespace's slot (see {@link #reservations()}). */
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

    /**
     * Pub/sub channel of {@link ConfigChange} events. On a Redis Cluster a PUBLISH reaches the subscribers of
     * every node, so a subscriber may listen on any one node.
     */
    public String configChannel() {
        return prefix() + "config";
    }

    /**
     * A stored Responses API response of a tenant (the gateway's {@code store: true}); expires with its retention. On
     * the tenant's slot, like its limiter keys: {@code {<namespace>:t:<tenant>}:resp:<tenant>:<id>} on a cluster, so
     * that the responses spread over the shards with the tenants; {@code {<namespace>}:resp:<tenant>:<id>} on one Redis,
     * as it always was. The tenant stays in the name after the tag, so one pattern ({@code *:resp:<tenant>:*}) finds a
     * tenant's responses in either layout.
     */
    public String storedResponse(String tenantId, String responseId) {
        return tenantPrefix(tenantId) + "resp:" + tenantId + ":" + responseId;
    }
}
