package io.nexusai.service.auth;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.auth.SessionKeys;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.events.ConfigResync;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Presented key → principal, answered from memory.
 *
 * <p>Opaque keys (app and admin) are cached by SHA-256. Session keys (JWTs) are verified locally
 * ({@link SessionVerifier}); their parent app key is cached by id. A key or parent seen for the first time is
 * resolved once by auth-service (concurrent first uses share one call); unknown ones are remembered as unknown
 * for a few seconds so a flood of bad keys cannot flood auth-service. Entries are dropped at once when a
 * config-change event names their key or tenant, and every cached entry is revalidated in one batch call
 * periodically and after a missed-events resync. When auth-service is unreachable, cached keys keep working.
 */
@ApplicationScoped
public class PrincipalCache {
    private static final Logger LOG = Logger.getLogger(PrincipalCache.class);

    private record Entry(Principal principal, long unknownUntilNanos) {
    }

    /** One cache: by key hash, or by parent key id. */
    private final class Table {
        final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, CompletableFuture<Optional<Principal>>> inflight = new ConcurrentHashMap<>();
        final Function<String, Uni<Optional<Principal>>> loader;

        Table(Function<String, Uni<Optional<Principal>>> loader) {
            this.loader = loader;
        }

        Principal cached(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.principal;
        }

        Uni<Principal> resolve(String key) {
            Entry e = entries.get(key);
            if (e != null) {
                if (e.principal != null) {
                    return Uni.createFrom().item(e.principal);
                }
                if (System.nanoTime() < e.unknownUntilNanos) {
                    return Uni.createFrom().failure(unknownKey());
                }
            }
            CompletableFuture<Optional<Principal>> call = inflight.computeIfAbsent(key, k -> {
                long asked = epoch.get();
                CompletableFuture<Optional<Principal>> f = loader.apply(k).subscribeAsCompletionStage();
                f.whenComplete((result, failure) -> {
                    inflight.remove(k);
                    if (failure == null && epoch.get() == asked) {
                        entries.put(k, result.map(p -> new Entry(p, 0))
                                .orElseGet(() -> new Entry(null, System.nanoTime() + negativeTtlNanos)));
                    }
                });
                return f;
            });
            return Uni.createFrom().completionStage(call)
                    .onFailure().transform(f -> {
                        LOG.warnf("auth-service unreachable while resolving a key: %s", f.getClass().getSimpleName());
                        return ApiException.unavailable("The authentication service is unavailable; retry shortly.");
                    })
                    .map(found -> found.orElseThrow(PrincipalCache::unknownKey));
        }

        List<String> positiveKeys() {
            List<String> keys = new ArrayList<>();
            entries.forEach((k, en) -> {
                if (en.principal != null) {
                    keys.add(k);
                }
            });
            return keys;
        }

        void refresh(List<String> asked, Map<String, Principal> valid, long askedEpoch) {
            for (String k : asked) {
                Principal p = valid.get(k);
                if (p == null) {
                    entries.remove(k);
                } else if (epoch.get() == askedEpoch) {
                    entries.computeIfPresent(k, (key, old) -> new Entry(p, 0));
                }
            }
        }

        void dropUnknown() {
            entries.values().removeIf(en -> en.principal == null);
        }

        void dropTenant(String tenantId) {
            entries.values().removeIf(en -> en.principal != null && tenantId.equals(en.principal.tenantId()));
        }
    }

    /** Grows with every key or tenant change; an answer asked for before a change is not cached after it. */
    private final AtomicLong epoch = new AtomicLong();
    private final Table byHash;
    private final Table parentsById;
    private final AuthServiceClient client;
    private final SessionVerifier sessions;
    private final Vertx vertx;
    private final long negativeTtlNanos;
    private final Duration revalidateEvery;
    private long timerId = -1;

    public PrincipalCache(AuthServiceClient client, SessionVerifier sessions, Vertx vertx,
                          @ConfigProperty(name = "nexus.key-cache.negative-ttl", defaultValue = "5s") Duration negativeTtl,
                          @ConfigProperty(name = "nexus.key-cache.revalidate-every", defaultValue = "60s") Duration revalidateEvery) {
        this.client = client;
        this.sessions = sessions;
        this.vertx = vertx;
        this.negativeTtlNanos = negativeTtl.toNanos();
        this.revalidateEvery = revalidateEvery;
        this.byHash = new Table(client::resolve);
        this.parentsById = new Table(client::resolveId);
    }

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(revalidateEvery.toMillis(), id -> revalidate().subscribe().with(v -> { }, f -> { }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /**
     * The principal of a presented key when it is answerable from memory, else {@code null} (then call
     * {@link #resolve(String)}). Throws {@link ApiException} 401 for a session key that fails verification.
     */
    public Principal cached(String presented) {
        if (SessionKeys.looksLikeJwt(presented)) {
            SessionVerifier.Claims claims = sessions.verify(presented);
            Principal parent = parentsById.cached(claims.parentKeyId());
            return parent == null ? null : session(parent, claims);
        }
        return byHash.cached(ApiKeys.hash(presented));
    }

    /**
     * Resolves a presented key (opaque or session). Fails with {@link ApiException} 401 for unknown, revoked or
     * expired keys and 503 when the key is not cached and auth-service cannot be reached.
     */
    public Uni<Principal> resolve(String presented) {
        if (SessionKeys.looksLikeJwt(presented)) {
            SessionVerifier.Claims claims;
            try {
                claims = sessions.verify(presented);
            } catch (ApiException e) {
                return Uni.createFrom().failure(e);
            }
            return parentsById.resolve(claims.parentKeyId()).map(parent -> session(parent, claims));
        }
        return byHash.resolve(ApiKeys.hash(presented));
    }

    private static Principal session(Principal parent, SessionVerifier.Claims claims) {
        if (claims.tenantId() == null || !claims.tenantId().equals(parent.tenantId())) {
            throw ApiException.unauthorized("Invalid session key.");
        }
        return parent.forSession(new Principal.Session(claims.sessionId(), claims.expiresAtEpochSecond(), claims.tokenBudget()),
                claims.models());
    }

    private static ApiException unknownKey() {
        return ApiException.unauthorized("Incorrect API key provided. You can find your API key in the NexusAI admin console.");
    }

    void onChange(@Observes ConfigChange change) {
        if (change.kind() == ConfigChange.Kind.KEYS || change.kind() == ConfigChange.Kind.TENANTS) {
            epoch.incrementAndGet();
        }
        switch (change.kind()) {
            case KEYS -> {
                if (change.keyHash() != null) {
                    byHash.entries.remove(change.keyHash());
                }
                if (change.id() != null) {
                    parentsById.entries.remove(change.id());
                }
                byHash.dropUnknown();
                parentsById.dropUnknown();
            }
            case TENANTS -> {
                if (change.id() != null) {
                    byHash.dropTenant(change.id());
                    parentsById.dropTenant(change.id());
                }
            }
            default -> {
            }
        }
    }

    void onResync(@Observes ConfigResync resync) {
        epoch.incrementAndGet();
        byHash.dropUnknown();
        parentsById.dropUnknown();
        revalidate().subscribe().with(v -> { }, f -> { });
    }

    /** Asks auth-service about every cached key at once (lazily, on subscription); drops the invalid, refreshes the rest. */
    public Uni<Void> revalidate() {
        List<String> hashes = byHash.positiveKeys();
        List<String> ids = parentsById.positiveKeys();
        if (hashes.isEmpty() && ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        long asked = epoch.get();
        return client.resolveBatch(hashes, ids).invoke(answer -> {
            byHash.refresh(hashes, answer.principals(), asked);
            parentsById.refresh(ids, answer.principalsById(), asked);
        }).onFailure().invoke(f -> LOG.debugf("key revalidation skipped: %s", f.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Number of cached entries (for metrics and tests). */
    public int size() {
        return byHash.entries.size() + parentsById.entries.size();
    }
}
