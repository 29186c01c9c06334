package io.nexusai.api.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/** Bulk revalidation of cached principals: {@code POST /internal/v1/keys/resolve-batch}. */
public final class KeyBatch {
    /** Most hashes and ids, together, one revalidation call may ask about. */
    public static final int MAX_KEYS = 10_000;

    private KeyBatch() {
    }

    /** The key hashes (opaque keys) and key ids (parents of session keys) a cache holds. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Request(List<String> keyHashes, List<String> keyIds) {
        public Request {
            keyHashes = keyHashes == null ? List.of() : keyHashes;
            keyIds = keyIds == null ? List.of() : keyIds;
        }
    }

    /** The principals of those that are still valid; a missing hash or id is revoked, expired or unknown. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Response(Map<String, Principal> principals, Map<String, Principal> principalsById) {
        public Response {
            principals = principals == null ? Map.of() : principals;
            principalsById = principalsById == null ? Map.of() : principalsById;
        }
    }

    /** Body of {@code POST /internal/v1/keys/resolve-id}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record IdRequest(String keyId) {
    }
}
