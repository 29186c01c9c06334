package io.nexusai.api.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/** Bulk revalidation of cached principals: {@code POST /internal/v1/keys/resolve-batch}. */
public final class KeyBatch {
    private KeyBatch() {
    }

    /** The key hashes a cache holds. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Request(List<String> keyHashes) {
    }

    /** The principals of those hashes that are still valid; a missing hash is revoked, expired or unknown. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Response(Map<String, Principal> principals) {
    }
}
