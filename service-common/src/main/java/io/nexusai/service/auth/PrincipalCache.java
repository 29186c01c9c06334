package io.nexusai.service.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyBatch;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.auth.SessionKeys;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.events.ConfigResync;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Presented key → principal, answered from memory.
 *
 * <p>Opaque keys (app and admin) are cached by SHA-256. Session keys (JWTs) are verified locally
 * ({@link SessionVerifier}); their parent app key is cached by id. A key or parent seen for the first time is
 * resolved once by auth-service (concurrent first uses share one call; past a few calls under way, the first uses of
 * other keys wait for one of them to end and go together in one batch call); unknown ones are remembered as unknown
 * for a few seconds so a flood of bad keys cannot flood auth-service. Entries are dropped at once when a
 * config-change event names their key or tenant, and every cached entry is revalidated periodically and after a
 * missed-events resync, in batches of {@link KeyCacheConfig#revalidateBatch()}. When auth-service is unreachable,
 * cached keys keep working.
 *
 * <p>Memory is bounded ({@link KeyCacheConfig}): at most {@code max-size} valid keys (Caffeine evicts the least
 * useful past it; an evicted key is simply resolved again on its next use) and, apart from them, at most
 * {@code max-unknown} unknown ones, so a flood of bad keys evicts only bad keys. Hashes (64 hex digits) and key ids
 * ({@code key_...}) never look alike, so one bound covers both. A lookup of a cached key is a lock-free,
 * allocation-free read of Caffeine's map.
 */
@ApplicationScoped
public class PrincipalCache {
    private static final Logger LOG = Logger.getLogger(PrincipalCache.class);
    private static final String KEY_ID_PREFIX = "key_";
    /**
     * Heap a cached key is reckoned at by the default bound: measured about 570 bytes (hash, principal with its
     * strings and limits, Caffeine's node), plus room for a signing secret's envelope.
     */
    static final int HEAP_PER_KEY = 640;

    /** Valid keys: by hash (opaque keys) and by id (session keys' parents). */
    private final Cache<String, Principal> valid;
    /** Keys auth-service does not know, for {@code negative-ttl}. */
    private final Cache<String, Boolean> unknown;
    /** Calls to auth-service under way, by hash or id: concurrent first uses share one. */
    private final ConcurrentHashMap<String, CompletableFuture<Optional<Principal>>> inflight = new ConcurrentHashMap<>();
    private final LongAdder evictions = new LongAdder();
    /** Lookups of opaque keys at auth-service under way at once; further misses wait and go in one batch call. */
    static final int MAX_LOOKUP_CALLS = 4;
    /** A batch of first uses waits for auth-service as long as a single lookup does ({@code AuthServiceClient#resolve}). */
    private static final java.time.Duration LOOKUP_BATCH_TIMEOUT = java.time.Duration.ofSeconds(3);
    /** Key hashes waiting for a lookup call to end (guarded by itself), with the answers their callers wait for. */
    private final Map<String, CompletableFuture<Optional<Principal>>> waiting = new java.util.LinkedHashMap<>();
    /** Lookup calls (single or batch) under way; guarded by {@link #waiting}. */
    private int lookupCalls;
    private final LongAdder lookupBatches = new LongAdder();
    /** Keys (hashes and ids) asked of auth-service on a miss, each once however many requests waited for it. */
    private final LongAdder lookups = new LongAdder();
    /** Grows with every key or tenant change; an answer asked for before a change is not cached after it. */
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicBoolean revalidating = new AtomicBoolean();
    private final AuthServiceClient client;
    private final SessionVerifier sessions;
    private final Vertx vertx;
    private final KeyCacheConfig config;
    private final int maxSize;
    private long timerId = -1;

    public PrincipalCache(AuthServiceClient client, SessionVerifier sessions, Vertx vertx, KeyCacheConfig config) {
        int maxSize = config.maxSize().orElse(0);
        if (maxSize < 0 || config.maxUnknown() < 1) {
            throw new IllegalArgumentException("nexus.key-cache.max-size (NEXUS_KEY_CACHE_MAX_SIZE) must not be negative, "
                    + "nexus.key-cache.max-unknown (NEXUS_KEY_CACHE_MAX_UNKNOWN) at least 1");
        }
        this.maxSize = maxSize > 0 ? maxSize : defaultMaxSize(Runtime.getRuntime().maxMemory());
        if (config.revalidateBatch() < 1 || config.revalidateBatch() > KeyBatch.MAX_KEYS) {
            throw new IllegalArgumentException("nexus.key-cache.revalidate-batch (NEXUS_KEY_CACHE_REVALIDATE_BATCH) must be "
                    + "between 1 and " + KeyBatch.MAX_KEYS);
        }
        this.client = client;
        this.sessions = sessions;
        this.vertx = vertx;
        this.config = config;
        // maintenance (eviction, expiry) runs on the writing thread (the one a miss's answer arrives on), amortised and
        // short, instead of hopping to the common pool; reads only record the hit in a lock-free buffer
        this.valid = Caffeine.newBuilder().maximumSize(this.maxSize).executor(Runnable::run)
                .<String, Principal>evictionListener((k, p, cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    }
                }).build();
        this.unknown = Caffeine.newBuilder().maximumSize(config.maxUnknown()).expireAfterWrite(config.negativeTtl())
                .executor(Runnable::run).build();
    }

    /** An eighth of the heap at {@link #HEAP_PER_KEY} bytes a key, at least 1,000 keys. */
    static int defaultMaxSize(long maxHeapBytes) {
        return (int) Math.max(1_000, Math.min(Integer.MAX_VALUE, maxHeapBytes / 8 / HEAP_PER_KEY));
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("at most %d valid and %d unknown keys cached (nexus.key-cache.max-size, nexus.key-cache.max-unknown)",
                maxSize, config.maxUnknown());
        timerId = vertx.setPeriodic(config.revalidateEvery().toMillis(), id -> revalidate().subscribe().with(v -> { }, f -> { }));
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
            Principal parent = valid.getIfPresent(claims.parentKeyId());
            return parent == null ? null : session(parent, claims);
        }
        return valid.getIfPresent(ApiKeys.hash(presented));
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
            return resolve(claims.parentKeyId(), client::resolveId).map(parent -> session(parent, claims));
        }
        return resolve(ApiKeys.hash(presented), this::lookup);
    }

    /**
     * One opaque key's lookup at auth-service, coalesced: while fewer than {@link #MAX_LOOKUP_CALLS} calls are under
     * way it is asked at once ({@code /resolve}, no added wait); past that it waits for the next call to end and goes
     * with every other key that waited meanwhile in one {@code resolve-batch} call (at most {@link KeyBatch#MAX_KEYS}
     * keys). A burst of first uses (a gateway started cold, keys evicted by the bound) thus costs auth-service a few
     * calls of many keys instead of one call per key. The answer of a batch is read by hash: a key it does not name
     * is unknown, as a 404 of {@code /resolve} says.
     */
    private Uni<Optional<Principal>> lookup(String hash) {
        synchronized (waiting) {
            if (lookupCalls >= MAX_LOOKUP_CALLS) {
                CompletableFuture<Optional<Principal>> answer = new CompletableFuture<>();
                waiting.put(hash, answer);
                return Uni.createFrom().completionStage(answer);
            }
            lookupCalls++;
        }
        return client.resolve(hash).onTermination().invoke(this::lookupCallEnded);
    }

    /** A lookup call ended: the keys waiting (if any) go in one batch call, which takes over the ended call's place. */
    private void lookupCallEnded() {
        Map<String, CompletableFuture<Optional<Principal>>> batch;
        synchronized (waiting) {
            if (waiting.isEmpty()) {
                lookupCalls--;
                return;
            }
            batch = new java.util.LinkedHashMap<>();
            var it = waiting.entrySet().iterator();
            while (it.hasNext() && batch.size() < KeyBatch.MAX_KEYS) {
                var e = it.next();
                batch.put(e.getKey(), e.getValue());
                it.remove();
            }
        }
        lookupBatches.increment();
        client.resolveBatch(new ArrayList<>(batch.keySet()), List.of())
                .ifNoItem().after(LOOKUP_BATCH_TIMEOUT).fail()
                .subscribe().with(answer -> {
                    lookupCallEnded();
                    batch.forEach((hash, f) -> f.complete(Optional.ofNullable(answer.principals().get(hash))));
                }, failure -> {
                    lookupCallEnded();
                    batch.values().forEach(f -> f.completeExceptionally(failure));
                });
    }

    /** A key hash or key id: from memory, else from auth-service (one call however many ask at once). */
    private Uni<Principal> resolve(String key, Function<String, Uni<Optional<Principal>>> loader) {
        Principal known = valid.getIfPresent(key);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        if (unknown.getIfPresent(key) != null) {
            return Uni.createFrom().failure(unknownKey());
        }
        CompletableFuture<Optional<Principal>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Principal>> call = inflight.putIfAbsent(key, mine);
        if (call == null) {
            // this request asks; the answer is cached before the call is forgotten, so no one asks twice. (Subscribed
            // outside any map operation: a loader may answer at once, on this thread.)
            call = mine;
            lookups.increment();
            long asked = epoch.get();
            loader.apply(key).subscribe().with(result -> {
                if (epoch.get() == asked) {
                    if (result.isPresent()) {
                        valid.put(key, result.get());
                    } else {
                        unknown.put(key, Boolean.TRUE);
                    }
                }
                inflight.remove(key, mine);
                mine.complete(result);
            }, failure -> {
                inflight.remove(key, mine);
                mine.completeExceptionally(failure);
            });
        }
        return Uni.createFrom().completionStage(call)
                .onFailure().transform(f -> {
                    LOG.warnf("auth-service unreachable while resolving a key: %s", f.getClass().getSimpleName());
                    return ApiException.unavailable("The authentication service is unavailable; retry shortly.");
                })
                .map(found -> found.orElseThrow(PrincipalCache::unknownKey));
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
                    valid.invalidate(change.keyHash());
                }
                if (change.id() != null) {
                    valid.invalidate(change.id());
                }
                unknown.invalidateAll();
            }
            case TENANTS -> {
                if (change.id() != null) {
                    String tenantId = change.id();
                    valid.asMap().values().removeIf(p -> tenantId.equals(p.tenantId()));
                }
            }
            default -> {
            }
        }
    }

    void onResync(@Observes ConfigResync resync) {
        epoch.incrementAndGet();
        unknown.invalidateAll();
        revalidate().subscribe().with(v -> { }, f -> { });
    }

    /**
     * Asks auth-service about every cached key (lazily, on subscription), {@code revalidate-batch} keys per call,
     * one call after the other, each key with the {@link Principal#fingerprint()} of the principal held; drops the
     * invalid, takes the changed ones and keeps the principals that did not change (which the answer only names). A
     * failed call ends the round (the next one starts over); a round asked for while one is under way is skipped.
     */
    public Uni<Void> revalidate() {
        return Uni.createFrom().deferred(() -> {
            if (!revalidating.compareAndSet(false, true)) {
                return Uni.createFrom().voidItem();
            }
            List<String> held = new ArrayList<>(valid.asMap().keySet());
            int batch = config.revalidateBatch();
            return Multi.createFrom().range(0, (held.size() + batch - 1) / batch)
                    .onItem().transformToUniAndConcatenate(i -> revalidate(held.subList(i * batch, Math.min(held.size(), (i + 1) * batch))))
                    .collect().last()
                    .onFailure().invoke(f -> LOG.debugf("key revalidation stopped: %s", f.toString()))
                    .onFailure().recoverWithNull()
                    .eventually(() -> revalidating.set(false))
                    .replaceWithVoid();
        });
    }

    private Uni<Void> revalidate(List<String> keys) {
        return Uni.createFrom().deferred(() -> {
            // each key with the fingerprint of the principal held: auth-service names the unchanged ones instead of
            // sending their principals again (with a million keys held, parsing them all back every minute was a few
            // per cent of the gateway's CPU)
            List<String> hashes = new ArrayList<>(keys.size());
            List<Long> fingerprints = new ArrayList<>(keys.size());
            List<String> ids = new ArrayList<>();
            List<Long> idFingerprints = new ArrayList<>();
            for (String k : keys) {
                Principal held = valid.policy().getIfPresentQuietly(k);
                if (held == null) {
                    continue; // dropped meanwhile
                }
                boolean id = k.startsWith(KEY_ID_PREFIX);
                (id ? ids : hashes).add(k);
                (id ? idFingerprints : fingerprints).add(held.fingerprint());
            }
            if (hashes.isEmpty() && ids.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            long asked = epoch.get();
            return client.revalidate(hashes, fingerprints, ids, idFingerprints).invoke(answer -> {
                Set<String> unchanged = answer.unchanged().isEmpty() ? Set.of() : new HashSet<>(answer.unchanged());
                refresh(hashes, answer.principals(), unchanged, asked);
                refresh(ids, answer.principalsById(), unchanged, asked);
            }).replaceWithVoid();
        });
    }

    private void refresh(List<String> asked, Map<String, Principal> answer, Set<String> unchanged, long askedEpoch) {
        for (String k : asked) {
            Principal p = answer.get(k);
            if (p == null) {
                if (!unchanged.contains(k)) { // neither a principal nor "unchanged": revoked, expired or unknown
                    valid.invalidate(k);
                }
            } else if (epoch.get() == askedEpoch) {
                // an unchanged answer keeps the principal held: replacing every held one each round would turn a
                // whole cache of long-lived objects into garbage once a minute (a million keys: ~400 MB a minute
                // for the old generation, i.e. full collections), for nothing
                // read quietly: a revalidation is not a use, and must not make every held key look recently used
                // (the eviction order) nor cost a million reorders a minute
                Principal held = valid.policy().getIfPresentQuietly(k);
                if (held != null && !held.equals(p)) {
                    valid.asMap().replace(k, held, p);
                }
            }
        }
    }

    /** Valid keys held: app and admin keys by hash and session keys' parents by id (for metrics and tests). */
    public long size() {
        return valid.estimatedSize();
    }

    /** Unknown keys remembered. */
    public long unknownSize() {
        return unknown.estimatedSize();
    }

    /** The bound of valid keys held ({@code max-size}, or its default from the heap). */
    public int maxSize() {
        return maxSize;
    }

    /** Valid keys evicted by {@code max-size} since the start (each is resolved again on its next use). */
    public long evictions() {
        return evictions.sum();
    }

    /**
     * Keys asked of auth-service because they were not cached (first uses, evicted keys, unknown keys past their
     * negative TTL), alone or in a batch call, each counted once however many requests waited for it.
     */
    public long lookups() {
        return lookups.sum();
    }

    /** Batch calls that carried first uses waiting for a lookup call (tests). */
    long lookupBatches() {
        return lookupBatches.sum();
    }

    /** Runs pending maintenance (evictions, expiry) now; sizes are exact afterwards (tests). */
    void cleanUp() {
        valid.cleanUp();
        unknown.cleanUp();
    }
}
