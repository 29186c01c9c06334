package io.nexusai.service.auth;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.KeyResolveRequest;
import io.nexusai.api.auth.Principal;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.WebApplicationException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * auth-service's internal key API in memory, as {@link AuthServiceClient} sees it over HTTP: the principal of a
 * valid key, 404 for any other, the valid ones of a batch. Counts every call, per key; while {@link #hold()} is in
 * effect, answers wait for {@link #release()}.
 */
final class InMemoryAuthService implements AuthServiceApi {
    private final Map<String, Principal> byHash = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> resolveCalls = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    final List<Integer> batchSizes = new ArrayList<>();
    /**
     * As auth-service: a key asked with the fingerprint of its principal is answered "unchanged"; false: as an
     * auth-service that predates fingerprints, which answers every valid principal.
     */
    volatile boolean answersUnchanged = true;
    /** Principals the batch answers carried. */
    final AtomicInteger principalsSent = new AtomicInteger();
    /** While true, batch calls fail as an unreachable auth-service would. */
    volatile boolean failBatches;
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    /** Registers a new valid app key of the tenant and returns the key as a client presents it. */
    String newKey(String tenantId) {
        String presented = ApiKeys.generate(KeyLevel.APP);
        byHash.put(ApiKeys.hash(presented), new Principal(ApiKeys.newId("key_", 12), KeyLevel.APP, tenantId, null));
        return presented;
    }

    void revoke(String presented) {
        byHash.remove(ApiKeys.hash(presented));
    }

    /** Changes what a key resolves to (its limits, models, ...), as an administrator's edit would. */
    void change(String presented, java.util.function.UnaryOperator<Principal> edit) {
        byHash.computeIfPresent(ApiKeys.hash(presented), (h, p) -> edit.apply(p));
    }

    Principal principalOf(String presented) {
        return byHash.get(ApiKeys.hash(presented));
    }

    /** Calls of {@code /resolve} that asked about this key. */
    int callsFor(String presented) {
        AtomicInteger n = resolveCalls.get(ApiKeys.hash(presented));
        return n == null ? 0 : n.get();
    }

    void hold() {
        gate = new CompletableFuture<>();
    }

    void release() {
        gate.complete(null);
    }

    @Override
    public Uni<Principal> resolve(KeyResolveRequest request, String serviceToken) {
        calls.incrementAndGet();
        resolveCalls.computeIfAbsent(request.keyHash(), k -> new AtomicInteger()).incrementAndGet();
        CompletableFuture<Void> waitFor = gate;
        return Uni.createFrom().completionStage(waitFor).map(v -> {
            Principal p = byHash.get(request.keyHash());
            if (p == null) {
                throw new WebApplicationException(404);
            }
            return p;
        });
    }

    @Override
    public Uni<Principal> resolveId(KeyBatch.IdRequest request, String serviceToken) {
        calls.incrementAndGet();
        return byHash.values().stream().filter(p -> p.keyId().equals(request.keyId())).findFirst()
                .map(p -> Uni.createFrom().item(p))
                .orElseGet(() -> Uni.createFrom().failure(new WebApplicationException(404)));
    }

    @Override
    public Uni<KeyBatch.Response> resolveBatch(KeyBatch.Request request, String serviceToken) {
        calls.incrementAndGet();
        synchronized (batchSizes) {
            batchSizes.add(request.keyHashes().size() + request.keyIds().size());
        }
        if (failBatches) {
            return Uni.createFrom().failure(new jakarta.ws.rs.ProcessingException("connection refused"));
        }
        Map<String, Principal> found = new HashMap<>();
        List<String> unchanged = new ArrayList<>();
        List<String> hashes = request.keyHashes();
        for (int i = 0; i < hashes.size(); i++) {
            String hash = hashes.get(i);
            Principal p = byHash.get(hash);
            if (p == null) {
                continue;
            }
            if (answersUnchanged && !request.fingerprints().isEmpty() && request.fingerprints().get(i) == p.fingerprint()) {
                unchanged.add(hash);
            } else { // a copy, as an answer over HTTP is: equal, never the same object
                found.put(hash, new Principal(p.keyId(), p.level(), p.tenantId(), p.allowedModels(), p.keyLimits(),
                        p.tenantLimits(), p.signingSecretEnvelope(), p.session(), p.corsOrigins()));
            }
        }
        principalsSent.addAndGet(found.size());
        return Uni.createFrom().item(new KeyBatch.Response(found, Map.of(), answersUnchanged ? unchanged : null));
    }
}
