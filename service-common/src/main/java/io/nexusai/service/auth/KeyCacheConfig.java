package io.nexusai.service.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * The in-memory key cache of {@link PrincipalCache} ({@code nexus.key-cache.*}, environment {@code NEXUS_KEY_CACHE_*}):
 * how many keys it holds, how long it remembers unknown ones, and how it revalidates what it holds.
 */
@ConfigMapping(prefix = "nexus.key-cache")
public interface KeyCacheConfig {
    /**
     * {@code NEXUS_KEY_CACHE_MAX_SIZE}: most valid keys held (app and admin keys by hash, session keys' parents by
     * id, together). Past it the least useful are evicted; an evicted key is not refused, only resolved again by
     * auth-service on its next use (one call, shared by concurrent requests). Unset or 0: an eighth of the maximum
     * heap at {@value PrincipalCache#HEAP_PER_KEY} bytes a key (a key takes about 570 bytes), at least 1,000: about
     * 26,000 keys at {@code -Xmx128m}, 52,000 at {@code -Xmx256m}.
     */
    OptionalInt maxSize();

    /**
     * {@code NEXUS_KEY_CACHE_MAX_UNKNOWN}: most unknown (or revoked, expired) keys remembered as unknown, apart from
     * the valid ones: a flood of bad keys evicts only other bad keys.
     */
    @WithDefault("10000")
    int maxUnknown();

    /** {@code NEXUS_KEY_CACHE_NEGATIVE_TTL}: how long an unknown key is answered 401 without asking auth-service again. */
    @WithDefault("5s")
    Duration negativeTtl();

    /** {@code NEXUS_KEY_CACHE_REVALIDATE_EVERY}: how often every held key is revalidated with auth-service. */
    @WithDefault("60s")
    Duration revalidateEvery();

    /**
     * {@code NEXUS_KEY_CACHE_REVALIDATE_BATCH}: keys per revalidation call (the calls of one revalidation go one after
     * the other); at most auth-service's limit of {@value io.nexusai.api.auth.KeyBatch#MAX_KEYS}.
     */
    @WithDefault("1000")
    int revalidateBatch();
}
