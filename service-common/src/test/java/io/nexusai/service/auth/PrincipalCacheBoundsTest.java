package io.nexusai.service.auth;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The key cache is bounded and the bound never refuses a valid key: past {@code max-size} keys are evicted, and an
 * evicted key costs one more auth-service call (shared by concurrent first uses), never a 401; unknown keys are
 * bounded apart, so a flood of them neither grows memory nor evicts valid keys; revalidation asks in bounded
 * batches. auth-service is {@link InMemoryAuthService} behind the real {@link AuthServiceClient}, counting calls.
 */
class PrincipalCacheBoundsTest {
    static final int BOUND = 100;
    static final int MORE = 50;

    final InMemoryAuthService auth = new InMemoryAuthService();

    record Settings(OptionalInt maxSize, int maxUnknown, Duration negativeTtl, Duration revalidateEvery, int revalidateBatch)
            implements KeyCacheConfig {
    }

    PrincipalCache cache(int maxSize, int maxUnknown, int revalidateBatch) {
        // no Vert.x: the periodic revalidation is not started (start() is not called); tests call revalidate()
        return new PrincipalCache(new AuthServiceClient(auth, "internal-token"), null, null,
                new Settings(OptionalInt.of(maxSize), maxUnknown, Duration.ofHours(1), Duration.ofHours(1), revalidateBatch));
    }

    static Principal use(PrincipalCache cache, String key) {
        Principal cached = cache.cached(key);
        return cached != null ? cached : cache.resolve(key).await().indefinitely();
    }

    List<String> newKeys(int n, String tenant) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(auth.newKey(tenant));
        }
        return keys;
    }

    @Test
    void moreKeysThanTheBoundAreAllServedAndAtMostTheBoundIsHeld() {
        PrincipalCache cache = cache(BOUND, 10, 1000);
        List<String> keys = newKeys(BOUND + MORE, "tenant-a");
        for (String key : keys) {
            assertThat(use(cache, key)).isEqualTo(auth.principalOf(key));
        }
        cache.cleanUp();
        assertThat(auth.calls.get()).isEqualTo(BOUND + MORE);
        assertThat(cache.size()).isEqualTo(BOUND);
        assertThat(cache.evictions()).isEqualTo(MORE);
        assertThat(keys.stream().filter(k -> cache.cached(k) != null)).hasSize(BOUND);

        // a second round: every key still served, never refused; misses cost exactly one call each
        int before = auth.calls.get();
        int misses = 0;
        for (String key : keys) {
            if (cache.cached(key) == null) {
                misses++;
                int callsOfKey = auth.callsFor(key);
                assertThat(cache.resolve(key).await().indefinitely()).isEqualTo(auth.principalOf(key));
                assertThat(auth.callsFor(key)).isEqualTo(callsOfKey + 1);
            }
        }
        cache.cleanUp();
        assertThat(misses).isGreaterThanOrEqualTo(MORE);
        assertThat(auth.calls.get()).isEqualTo(before + misses);
        assertThat(cache.size()).isEqualTo(BOUND);
    }

    @Test
    void firstUsesPastTheCallsUnderWayGoTogetherInOneBatchCall() {
        PrincipalCache cache = cache(1000, 100, 1000);
        List<String> keys = newKeys(60, "tenant-a");
        List<String> all = new ArrayList<>(keys);
        for (int i = 0; i < 10; i++) {
            all.add(ApiKeys.generate(KeyLevel.APP)); // unknown to auth-service
        }
        auth.hold();
        List<CompletableFuture<Principal>> users = new ArrayList<>();
        for (String k : all) {
            users.add(cache.resolve(k).subscribeAsCompletionStage());
        }
        // the first few are asked at once; the rest wait for one of those calls to end
        assertThat(auth.calls.get()).isEqualTo(PrincipalCache.MAX_LOOKUP_CALLS);
        assertThat(users).noneMatch(CompletableFuture::isDone);
        auth.release();
        for (int i = 0; i < all.size(); i++) {
            String k = all.get(i);
            if (i < keys.size()) {
                assertThat(users.get(i).join()).isEqualTo(auth.principalOf(k));
            } else {
                int n = i;
                assertThatThrownBy(() -> users.get(n).join()).hasCauseInstanceOf(ApiException.class)
                        .satisfies(e -> assertThat(((ApiException) e.getCause()).status()).isEqualTo(401));
            }
        }
        assertThat(auth.batchSizes).containsExactly(all.size() - PrincipalCache.MAX_LOOKUP_CALLS);
        assertThat(auth.calls.get()).isEqualTo(PrincipalCache.MAX_LOOKUP_CALLS + 1);
        assertThat(cache.lookupBatches()).isEqualTo(1);
        assertThat(cache.lookups()).as("keys looked up, alone or in the batch").isEqualTo(all.size());
        // every answer was cached: valid keys served from memory, unknown ones remembered
        keys.forEach(k -> assertThat(cache.cached(k)).isEqualTo(auth.principalOf(k)));
        all.subList(keys.size(), all.size())
                .forEach(k -> assertThatThrownBy(() -> cache.resolve(k).await().indefinitely()).isInstanceOf(ApiException.class));
        assertThat(auth.calls.get()).isEqualTo(PrincipalCache.MAX_LOOKUP_CALLS + 1);
        assertThat(cache.lookups()).isEqualTo(all.size());
        // with no call under way a first use is asked at once, alone
        String late = auth.newKey("tenant-a");
        assertThat(use(cache, late)).isEqualTo(auth.principalOf(late));
        assertThat(auth.callsFor(late)).isEqualTo(1);
    }

    @Test
    void aFailedBatchCallAnswers503CachesNothingAndTheKeysAreAskedAgain() {
        PrincipalCache cache = cache(1000, 100, 1000);
        List<String> keys = newKeys(PrincipalCache.MAX_LOOKUP_CALLS + 5, "tenant-a");
        auth.hold();
        auth.failBatches = true;
        List<CompletableFuture<Principal>> users = new ArrayList<>();
        keys.forEach(k -> users.add(cache.resolve(k).subscribeAsCompletionStage()));
        auth.release();
        for (int i = 0; i < keys.size(); i++) {
            if (i < PrincipalCache.MAX_LOOKUP_CALLS) {
                assertThat(users.get(i).join()).isEqualTo(auth.principalOf(keys.get(i)));
            } else {
                int n = i;
                assertThatThrownBy(() -> users.get(n).join()).hasCauseInstanceOf(ApiException.class)
                        .satisfies(e -> assertThat(((ApiException) e.getCause()).status()).isEqualTo(503));
                assertThat(cache.cached(keys.get(i))).isNull();
            }
        }
        auth.failBatches = false;
        for (String k : keys) {
            assertThat(use(cache, k)).isEqualTo(auth.principalOf(k));
        }
    }

    @Test
    void concurrentFirstUsesOfAnEvictedKeyShareOneCall() throws Exception {
        PrincipalCache cache = cache(BOUND, 10, 1000);
        List<String> keys = newKeys(BOUND + MORE, "tenant-a");
        keys.forEach(k -> use(cache, k));
        cache.cleanUp();
        String evicted = keys.stream().filter(k -> cache.cached(k) == null).findFirst().orElseThrow();
        int callsOfKey = auth.callsFor(evicted);

        // twenty users on eight threads, all before auth-service answers
        auth.hold();
        List<CompletableFuture<Principal>> users = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CompletableFuture<Principal>>> started = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                started.add(threads.submit(() -> {
                    go.await();
                    return cache.resolve(evicted).subscribeAsCompletionStage();
                }));
            }
            go.countDown();
            for (Future<CompletableFuture<Principal>> f : started) {
                users.add(f.get());
            }
        } finally {
            threads.shutdown();
        }
        assertThat(auth.callsFor(evicted)).isEqualTo(callsOfKey + 1);
        assertThat(users).noneMatch(CompletableFuture::isDone);
        auth.release();
        for (CompletableFuture<Principal> user : users) {
            assertThat(user.join()).isEqualTo(auth.principalOf(evicted));
        }
        assertThat(auth.callsFor(evicted)).isEqualTo(callsOfKey + 1);
    }

    @Test
    void aFloodOfUnknownKeysStaysBoundedAndEvictsNoValidKey() {
        int maxUnknown = 20;
        PrincipalCache cache = cache(BOUND, maxUnknown, 1000);
        List<String> good = newKeys(BOUND / 2, "tenant-a");
        good.forEach(k -> use(cache, k));

        String last = null;
        for (int i = 0; i < 1000; i++) {
            last = ApiKeys.generate(KeyLevel.APP);
            String bad = last;
            assertThatThrownBy(() -> cache.resolve(bad).await().indefinitely())
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
        }
        cache.cleanUp();
        assertThat(cache.unknownSize()).isEqualTo(maxUnknown);
        assertThat(cache.size()).isEqualTo(good.size());
        assertThat(cache.evictions()).isZero();
        assertThat(good).allMatch(k -> cache.cached(k) != null);

        // the latest bad key is still remembered: refused again without asking auth-service
        int before = auth.calls.get();
        String remembered = last;
        assertThatThrownBy(() -> cache.resolve(remembered).await().indefinitely()).isInstanceOf(ApiException.class);
        assertThat(auth.calls.get()).isEqualTo(before);
    }

    @Test
    void revalidationAsksInBoundedBatchesAndDropsRevokedKeys() {
        PrincipalCache cache = cache(BOUND, 10, 7);
        List<String> keys = newKeys(30, "tenant-a");
        keys.forEach(k -> use(cache, k));
        auth.revoke(keys.get(3));
        auth.revoke(keys.get(17));

        cache.revalidate().await().indefinitely();
        assertThat(auth.batchSizes).containsExactlyInAnyOrder(7, 7, 7, 7, 2);
        assertThat(cache.size()).isEqualTo(28);
        assertThat(cache.cached(keys.get(3))).isNull();
        assertThat(cache.cached(keys.get(17))).isNull();
        assertThat(cache.cached(keys.get(4))).isEqualTo(auth.principalOf(keys.get(4)));
        assertThatThrownBy(() -> cache.resolve(keys.get(3)).await().indefinitely()).isInstanceOf(ApiException.class);
    }

    @ParameterizedTest(name = "auth-service answers unchanged keys by name: {0}")
    @ValueSource(booleans = {true, false})
    void revalidationKeepsTheHeldPrincipalsThatDidNotChangeAndTakesTheChangedOnes(boolean answersUnchanged) {
        auth.answersUnchanged = answersUnchanged;
        PrincipalCache cache = cache(BOUND, 10, 1000);
        List<String> keys = newKeys(20, "tenant-a");
        keys.forEach(k -> use(cache, k));
        List<Principal> held = keys.stream().map(cache::cached).toList();
        String changed = keys.get(5);
        auth.change(changed, p -> new Principal(p.keyId(), p.level(), p.tenantId(), List.of("gpt-4o-mini")));
        auth.revoke(keys.get(9));

        int sentBefore = auth.principalsSent.get();
        cache.revalidate().await().indefinitely();
        // with fingerprints, only the changed principal travels; without, every valid one does (and is compared)
        assertThat(auth.principalsSent.get() - sentBefore).isEqualTo(answersUnchanged ? 1 : 19);
        for (int i = 0; i < keys.size(); i++) {
            if (i != 5 && i != 9) {
                assertThat(cache.cached(keys.get(i))).as("key %d, unchanged", i).isSameAs(held.get(i));
            }
        }
        assertThat(cache.cached(changed)).isNotSameAs(held.get(5)).isEqualTo(auth.principalOf(changed));
        assertThat(cache.cached(changed).allowedModels()).containsExactly("gpt-4o-mini");
        assertThat(cache.cached(keys.get(9))).isNull(); // revoked: neither a principal nor "unchanged"
        assertThat(cache.size()).isEqualTo(19);
    }

    @Test
    void changeEventsDropKeysAndTenantsFromTheBoundedCache() {
        PrincipalCache cache = cache(BOUND, 10, 1000);
        List<String> a = newKeys(10, "tenant-a");
        List<String> b = newKeys(10, "tenant-b");
        a.forEach(k -> use(cache, k));
        b.forEach(k -> use(cache, k));

        cache.onChange(new ConfigChange(ConfigChange.Kind.KEYS, auth.principalOf(b.get(0)).keyId(), ApiKeys.hash(b.get(0)), 2));
        cache.onChange(new ConfigChange(ConfigChange.Kind.TENANTS, "tenant-a", null, 3));
        assertThat(cache.size()).isEqualTo(9);
        assertThat(a).allMatch(k -> cache.cached(k) == null);
        assertThat(cache.cached(b.get(0))).isNull();
        assertThat(b.subList(1, 10)).allMatch(k -> cache.cached(k) != null);
    }

    @Test
    void anAnswerAskedForBeforeAKeyChangeIsServedButNotCached() {
        PrincipalCache cache = cache(BOUND, 10, 1000);
        String key = auth.newKey("tenant-a");
        auth.hold();
        CompletableFuture<Principal> user = cache.resolve(key).subscribeAsCompletionStage();
        cache.onChange(new ConfigChange(ConfigChange.Kind.KEYS, "key_other", null, 2));
        auth.release();
        assertThat(user.join()).isEqualTo(auth.principalOf(key));
        assertThat(cache.cached(key)).isNull();
    }

    @Test
    void unsetTheBoundIsAnEighthOfTheHeapAtItsReckonedCostPerKey() {
        assertThat(PrincipalCache.defaultMaxSize(128L << 20)).isEqualTo(26_214);
        assertThat(PrincipalCache.defaultMaxSize(256L << 20)).isEqualTo(52_428);
        assertThat(PrincipalCache.defaultMaxSize(4L << 20)).isEqualTo(1_000);
        assertThat(cache(0, 10, 1000).maxSize()).isEqualTo(PrincipalCache.defaultMaxSize(Runtime.getRuntime().maxMemory()));
        assertThat(cache(BOUND, 10, 1000).maxSize()).isEqualTo(BOUND);
    }

    @Test
    void settingsOutsideTheirRangeAreRefusedAtStart() {
        assertThatThrownBy(() -> cache(-1, 10, 1000)).hasMessageContaining("NEXUS_KEY_CACHE_MAX_SIZE");
        assertThatThrownBy(() -> cache(10, 0, 1000)).hasMessageContaining("NEXUS_KEY_CACHE_MAX_UNKNOWN");
        assertThatThrownBy(() -> cache(10, 10, 10_001)).hasMessageContaining("NEXUS_KEY_CACHE_REVALIDATE_BATCH");
    }
}
