package io.nexusai.api.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
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

    /**
     * The key hashes (opaque keys) and key ids (parents of session keys) a cache holds; optionally, for each, the
     * {@link Principal#fingerprint()} of the principal it holds ({@code fingerprints} beside {@code key_hashes},
     * {@code id_fingerprints} beside {@code key_ids}, same order and length), so that the answer can say
     * "unchanged" instead of carrying the principal again.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Request(List<String> keyHashes, List<String> keyIds, List<Long> fingerprints, List<Long> idFingerprints) {
        public Request {
            keyHashes = keyHashes == null ? List.of() : keyHashes;
            keyIds = keyIds == null ? List.of() : keyIds;
            fingerprints = fingerprints == null ? List.of() : fingerprints;
            idFingerprints = idFingerprints == null ? List.of() : idFingerprints;
        }

        public Request(List<String> keyHashes, List<String> keyIds) {
            this(keyHashes, keyIds, null, null);
        }
    }

    /**
     * The principals of those that are still valid and changed, and in {@code unchanged} the hashes and ids that are
     * still valid with a principal of the fingerprint asked with; a hash or id in neither is revoked, expired or
     * unknown. (An auth-service that predates fingerprints answers every valid principal and no {@code unchanged},
     * which a cache reads the same way.)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Response(Map<String, Principal> principals, Map<String, Principal> principalsById, List<String> unchanged) {
        public Response {
            principals = principals == null ? Map.of() : principals;
            principalsById = principalsById == null ? Map.of() : principalsById;
            unchanged = unchanged == null ? List.of() : unchanged;
        }

        public Response(Map<String, Principal> principals, Map<String, Principal> principalsById) {
            this(principals, principalsById, null);
        }
    }

    /** Body of {@code POST /internal/v1/keys/resolve-id}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record IdRequest(String keyId) {
    }
}
