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

    /** Pub/sub channel of {@link ConfigChange} events. */
    public String configChannel() {
        return prefix() + "config";
    }
}
