package io.nexusai.service.auth;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.Principal;
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

/**
 * Presented opaque key → principal, answered from memory. A key seen for the first time is resolved once by
 * auth-service (concurrent first uses share one call); unknown keys are remembered as unknown for a few
 * seconds so a flood of bad keys cannot flood auth-service. Entries are dropped at once when a config-change
 * event names their key or tenant, and every cached key is revalidated in one batch call periodically and
 * after a missed-events resync. When auth-service is unreachable, cached keys keep working.
 */
@ApplicationScoped
public class PrincipalCache {
    private static final Logger LOG = Logger.getLogger(PrincipalCache.class);

    private record Entry(Principal principal, long unknownUntilNanos) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** Grows with every key or tenant change; an answer asked for before a change is not cached after it. */
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentHashMap<String, CompletableFuture<Optional<Principal>>> inflight = new ConcurrentHashMap<>();
    private final AuthServiceClient client;
    private final Vertx vertx;
    private final long negativeTtlNanos;
    private final Duration revalidateEvery;
    private long timerId = -1;

    public PrincipalCache(AuthServiceClient client, Vertx vertx,
                          @ConfigProperty(name = "nexus.key-cache.negative-ttl", defaultValue = "5s") Duration negativeTtl,
                          @ConfigProperty(name = "nexus.key-cache.revalidate-every", defaultValue = "60s") Duration revalidateEvery) {
        this.client = client;
        this.vertx = vertx;
        this.negativeTtlNanos = negativeTtl.toNanos();
        this.revalidateEvery = revalidateEvery;
    }

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(revalidateEvery.toMillis(), id -> revalidate().subscribe().with(v -> { }, f -> { }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** The cached principal of a key hash, or {@code null} when it is not (positively) cached. No I/O. */
    public Principal cached(String keyHash) {
        Entry e = entries.get(keyHash);
        return e == null ? null : e.principal;
    }

    /**
     * Resolves a presented key. Fails with {@link ApiException} 401 for unknown keys and 503 when the key is
     * not cached and auth-service cannot be reached.
     */
    public Uni<Principal> resolve(String presentedKey) {
        String hash = ApiKeys.hash(presentedKey);
        Entry e = entries.get(hash);
        if (e != null) {
            if (e.principal != null) {
                return Uni.createFrom().item(e.principal);
            }
            if (System.nanoTime() < e.unknownUntilNanos) {
                return Uni.createFrom().failure(unknownKey());
            }
        }
        CompletableFuture<Optional<Principal>> call = inflight.computeIfAbsent(hash, h -> {
            long asked = epoch.get();
            CompletableFuture<Optional<Principal>> f = client.resolve(h).subscribeAsCompletionStage();
            f.whenComplete((result, failure) -> {
                inflight.remove(h);
                if (failure == null && epoch.get() == asked) {
                    entries.put(h, result.map(p -> new Entry(p, 0))
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
                    entries.remove(change.keyHash());
                }
                dropUnknown();
            }
            case TENANTS -> entries.entrySet().removeIf(en -> en.getValue().principal != null
                    && change.id() != null && change.id().equals(en.getValue().principal.tenantId()));
            default -> {
            }
        }
    }

    void onResync(@Observes ConfigResync resync) {
        epoch.incrementAndGet();
        dropUnknown();
        revalidate().subscribe().with(v -> { }, f -> { });
    }

    private void dropUnknown() {
        entries.values().removeIf(en -> en.principal == null);
    }

    /** Asks auth-service about every cached key at once (lazily, on subscription); drops the ones no longer valid, refreshes the rest. */
    public Uni<Void> revalidate() {
        List<String> hashes = new ArrayList<>();
        entries.forEach((h, en) -> {
            if (en.principal != null) {
                hashes.add(h);
            }
        });
        if (hashes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        long asked = epoch.get();
        return client.resolveBatch(hashes).invoke(answer -> {
            Map<String, Principal> valid = answer.principals() == null ? Map.of() : answer.principals();
            for (String h : hashes) {
                Principal p = valid.get(h);
                if (p == null) {
                    entries.remove(h);
                } else if (epoch.get() == asked) {
                    entries.computeIfPresent(h, (k, old) -> new Entry(p, 0));
                }
            }
        }).onFailure().invoke(f -> LOG.debugf("key revalidation skipped: %s", f.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Number of cached entries (for metrics and tests). */
    public int size() {
        return entries.size();
    }
}
