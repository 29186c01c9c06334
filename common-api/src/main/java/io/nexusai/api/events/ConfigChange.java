package io.nexusai.api.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What admin-service publishes on the config channel after every committed write. Listeners refetch what the
 * kind says changed; the periodic full resync covers any event they missed.
 *
 * @param kind    what changed
 * @param id      id of the changed object (route alias, provider id, tenant id, key id), if any
 * @param keyHash for key events: the SHA-256 of the key, so caches keyed by hash can drop it at once
 * @param version configuration version after the write
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConfigChange(Kind kind, String id, String keyHash, long version) {

    /** Kinds of change. */
    public enum Kind {
        ROUTES("routes"), PROVIDERS("providers"), TENANTS("tenants"), KEYS("keys"), PRICES("prices");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        @JsonCreator
        public static Kind fromWire(String value) {
            for (Kind k : values()) {
                if (k.wire.equals(value)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown config change kind: " + value);
        }
    }
}
