package io.nexusai.api.events;

import java.util.Locale;

/**
 * Kinds of anomalous requests the gateway counts ({@code nexus_anomalies_total{type}}) and records on the
 * anomaly stream ({@link RedisNames#anomalyStream()}).
 */
public enum AnomalyType {
    /** A missing, unknown, revoked or expired key (401), or an admin key on the model API. */
    AUTH_FAILURE,
    /** A key that must sign its requests sent a missing, wrong, stale or replayed signature. */
    BAD_SIGNATURE,
    /** A request body (or URL, headers) over the gateway's limits. */
    OVERSIZED,
    /** A body that is not JSON, not a JSON object, of the wrong content type, or fails the API's schema checks. */
    MALFORMED,
    /** A key's requests in one interval far above its own moving baseline. */
    RATE_SPIKE;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The name on the wire and in metrics, e.g. {@code auth_failure}. */
    public String wire() {
        return wire;
    }

    /** The type of a wire name, or {@code null}. */
    public static AnomalyType fromWire(String value) {
        for (AnomalyType t : values()) {
            if (t.wire.equals(value)) {
                return t;
            }
        }
        return null;
    }
}
