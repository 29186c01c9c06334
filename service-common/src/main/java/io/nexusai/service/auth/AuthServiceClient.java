package io.nexusai.service.auth;

import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.KeyResolveRequest;
import io.nexusai.api.auth.Principal;
import io.nexusai.service.config.PlatformSecrets;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** The only door to auth-service: adds the service token and bounds every call in time. */
@ApplicationScoped
public class AuthServiceClient {
    private final AuthServiceApi api;
    private final String bearer;

    @Inject
    public AuthServiceClient(@RestClient AuthServiceApi api, PlatformSecrets secrets) {
        this(api, secrets.internalToken());
    }

    /** Over any implementation of auth-service's key API (tests: an in-memory auth-service that counts calls). */
    AuthServiceClient(AuthServiceApi api, String internalToken) {
        this.api = api;
        this.bearer = "Bearer " + internalToken;
    }

    /** The principal of a key hash; empty when auth-service does not know it (or it is revoked or expired). */
    @Timeout(value = 3, unit = ChronoUnit.SECONDS)
    public Uni<Optional<Principal>> resolve(String keyHash) {
        return api.resolve(new KeyResolveRequest(keyHash), bearer)
                .map(Optional::of)
                .onFailure(e -> e instanceof WebApplicationException w && w.getResponse().getStatus() == 404)
                .recoverWithItem(Optional.empty());
    }

    /** The principal of a key by its public id (a session key's parent); empty when not valid. */
    @Timeout(value = 3, unit = ChronoUnit.SECONDS)
    public Uni<Optional<Principal>> resolveId(String keyId) {
        return api.resolveId(new KeyBatch.IdRequest(keyId), bearer)
                .map(Optional::of)
                .onFailure(e -> e instanceof WebApplicationException w && w.getResponse().getStatus() == 404)
                .recoverWithItem(Optional.empty());
    }

    /** Current principals of the given hashes and ids; those missing from the answer are no longer valid. */
    @Timeout(value = 10, unit = ChronoUnit.SECONDS)
    public Uni<KeyBatch.Response> resolveBatch(List<String> keyHashes, List<String> keyIds) {
        return api.resolveBatch(new KeyBatch.Request(keyHashes, keyIds), bearer);
    }

    /**
     * A revalidation: as {@link #resolveBatch(List, List)}, with the fingerprints of the principals held for them
     * (same order); a valid key whose principal has that fingerprint is only named in the answer's {@code unchanged}.
     */
    @Timeout(value = 10, unit = ChronoUnit.SECONDS)
    public Uni<KeyBatch.Response> revalidate(List<String> keyHashes, List<Long> fingerprints, List<String> keyIds,
                                             List<Long> idFingerprints) {
        return api.resolveBatch(new KeyBatch.Request(keyHashes, keyIds, fingerprints, idFingerprints), bearer);
    }
}
