package io.nexusai.auth.rest;

import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.KeyResolveRequest;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.auth.repository.KeyRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /internal/v1/keys}: key introspection for the other services (service token required). Callers send
 * the SHA-256 of a presented key, never the key.
 */
@Path("/internal/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class KeyResolveResource {
    private static final int MAX_BATCH = KeyBatch.MAX_KEYS;
    private final KeyRepository keys;

    public KeyResolveResource(KeyRepository keys) {
        this.keys = keys;
    }

    /** The principal of a valid key; 404 when the key is unknown, revoked or expired. */
    @POST
    @Path("/resolve")
    public Uni<Principal> resolve(KeyResolveRequest request) {
        String hash = checkHash(request == null ? null : request.keyHash());
        return keys.findValid(hash).onItem().ifNull()
                .failWith(() -> ApiException.notFound("Unknown, revoked or expired key.", "key_not_found"));
    }

    /** The principal of a valid key by its public id (the parent of a session key); 404 otherwise. */
    @POST
    @Path("/resolve-id")
    public Uni<Principal> resolveId(KeyBatch.IdRequest request) {
        String id = request == null ? null : request.keyId();
        if (id == null || !id.matches("key_[A-Za-z0-9]{1,64}")) {
            throw ApiException.badRequest("key_id must be a key id (key_...).", "key_id");
        }
        return keys.findValidById(id).onItem().ifNull()
                .failWith(() -> ApiException.notFound("Unknown, revoked or expired key.", "key_not_found"));
    }

    /**
     * The principals of the valid keys among the given hashes and ids; those asked with the fingerprint of their
     * current principal are only named in {@code unchanged} (a revalidation of a cache that holds them).
     */
    @POST
    @Path("/resolve-batch")
    public Uni<KeyBatch.Response> resolveBatch(KeyBatch.Request request) {
        KeyBatch.Request r = request == null ? new KeyBatch.Request(null, null) : request;
        List<String> hashes = r.keyHashes();
        List<String> ids = r.keyIds();
        if (hashes.size() + ids.size() > MAX_BATCH) {
            throw ApiException.badRequest("At most " + MAX_BATCH + " keys per call.", "key_hashes");
        }
        if (!r.fingerprints().isEmpty() && r.fingerprints().size() != hashes.size()) {
            throw ApiException.badRequest("fingerprints must have one entry per key hash, in the same order.", "fingerprints");
        }
        if (!r.idFingerprints().isEmpty() && r.idFingerprints().size() != ids.size()) {
            throw ApiException.badRequest("id_fingerprints must have one entry per key id, in the same order.", "id_fingerprints");
        }
        hashes.forEach(KeyResolveResource::checkHash);
        Uni<Map<String, Principal>> byHash = hashes.isEmpty() ? Uni.createFrom().item(Map.of()) : keys.findValid(hashes);
        Uni<Map<String, Principal>> byId = ids.isEmpty() ? Uni.createFrom().item(Map.of()) : keys.findValidByIds(ids);
        return Uni.combine().all().unis(byHash, byId).with((foundByHash, foundById) -> {
            List<String> unchanged = new ArrayList<>();
            Map<String, Principal> changedByHash = unchangedOut(hashes, r.fingerprints(), foundByHash, unchanged);
            Map<String, Principal> changedById = unchangedOut(ids, r.idFingerprints(), foundById, unchanged);
            return new KeyBatch.Response(changedByHash, changedById, unchanged);
        });
    }

    /** The found principals whose key was not asked with their fingerprint; the others' keys go to {@code unchanged}. */
    private static Map<String, Principal> unchangedOut(List<String> asked, List<Long> fingerprints, Map<String, Principal> found,
                                                       List<String> unchanged) {
        if (fingerprints.isEmpty()) {
            return found;
        }
        Map<String, Principal> changed = new HashMap<>();
        for (int i = 0; i < asked.size(); i++) {
            Principal p = found.get(asked.get(i));
            Long held = fingerprints.get(i);
            if (p == null) {
                continue;
            }
            if (held != null && held == p.fingerprint()) {
                unchanged.add(asked.get(i));
            } else {
                changed.put(asked.get(i), p);
            }
        }
        return changed;
    }

    private static String checkHash(String hash) {
        if (hash == null || !hash.matches("[0-9a-f]{64}")) {
            throw ApiException.badRequest("key_hash must be a lower-case hex SHA-256.", "key_hash");
        }
        return hash;
    }
}
