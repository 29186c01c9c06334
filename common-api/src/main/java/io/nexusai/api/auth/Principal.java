package io.nexusai.api.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * Who is calling: the resolved identity behind a presented key.
 *
 * @param keyId                 public id of the key (never the secret); for a session key, its parent app key
 * @param level                 admin, app or session
 * @param tenantId              the tenant the key belongs to; {@code null} for admin keys
 * @param allowedModels         aliases this key may use; {@code null} means every alias
 * @param keyLimits             the key's own limits
 * @param tenantLimits          the tenant's limits
 * @param signingSecretEnvelope the encrypted HMAC secret when the key must sign its requests, else {@code null}
 * @param session               for session keys: the session's id, expiry and token budget; else {@code null}
 * @param corsOrigins           browser origins the tenant lets call the model APIs with its keys ({@code null}: none)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Principal(String keyId, KeyLevel level, String tenantId, List<String> allowedModels, Limits keyLimits,
                        Limits tenantLimits, String signingSecretEnvelope, Session session, List<String> corsOrigins) {

    /** What a session key adds to its parent app key. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Session(String id, long expiresAtEpochSecond, Long tokenBudget) {
    }

    public Principal {
        allowedModels = allowedModels == null ? null : List.copyOf(allowedModels);
        keyLimits = keyLimits == null ? Limits.NONE : keyLimits;
        tenantLimits = tenantLimits == null ? Limits.NONE : tenantLimits;
        corsOrigins = corsOrigins == null || corsOrigins.isEmpty() ? null : List.copyOf(corsOrigins);
    }

    public Principal(String keyId, KeyLevel level, String tenantId, List<String> allowedModels, Limits keyLimits,
                     Limits tenantLimits, String signingSecretEnvelope, Session session) {
        this(keyId, level, tenantId, allowedModels, keyLimits, tenantLimits, signingSecretEnvelope, session, null);
    }

    public Principal(String keyId, KeyLevel level, String tenantId, List<String> allowedModels) {
        this(keyId, level, tenantId, allowedModels, Limits.NONE, Limits.NONE, null, null, null);
    }

    /**
     * A digest of every component, the same in every JVM (built only from {@link String#hashCode()}, numbers and enum
     * names): a key cache sends it with a revalidation, and auth-service answers "unchanged" instead of the principal
     * when its own principal has the same digest ({@link KeyBatch}). Two principals of different digests differ; two
     * of the same digest are equal but for a 64-bit collision (then the cache keeps its copy until the next change
     * event of the key or tenant, which drops it regardless).
     */
    public long fingerprint() {
        long h = mix(0x6a09e667f3bcc909L, keyId);
        h = mix(h, level == null ? null : level.name());
        h = mix(h, tenantId);
        h = mix(h, allowedModels);
        h = mix(h, keyLimits);
        h = mix(h, tenantLimits);
        h = mix(h, signingSecretEnvelope);
        if (session == null) {
            h = step(h, 0x2545f4914f6cdd1dL);
        } else {
            h = mix(step(h, 1), session.id());
            h = step(h, session.expiresAtEpochSecond());
            h = step(h, session.tokenBudget() == null ? 0x2545f4914f6cdd1dL : session.tokenBudget());
        }
        h = mix(h, corsOrigins);
        // final avalanche (MurmurHash3's fmix64)
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static long step(long h, long value) {
        return (h ^ value) * 0x9e3779b97f4a7c15L + 0x632be59bd9b4e019L;
    }

    private static long mix(long h, String s) {
        return s == null ? step(h, 0x2545f4914f6cdd1dL) : step(step(h, s.length()), s.hashCode());
    }

    private static long mix(long h, List<String> list) {
        if (list == null) {
            return step(h, 0x2545f4914f6cdd1dL);
        }
        h = step(h, -list.size());
        for (String s : list) {
            h = mix(h, s);
        }
        return h;
    }

    private static long mix(long h, Limits l) {
        h = step(h, l.rpm() == null ? 0x2545f4914f6cdd1dL : l.rpm());
        h = step(h, l.tpm() == null ? 0x2545f4914f6cdd1dL : l.tpm());
        h = step(h, l.dailyTokens() == null ? 0x2545f4914f6cdd1dL : l.dailyTokens());
        h = step(h, l.monthlyTokens() == null ? 0x2545f4914f6cdd1dL : l.monthlyTokens());
        h = mix(h, l.dailyCost());
        return mix(h, l.monthlyCost());
    }

    private static long mix(long h, java.math.BigDecimal d) {
        // by value, whatever its scale (10.0 and 10.00 are the same limit)
        return d == null ? step(h, 0x2545f4914f6cdd1dL) : mix(h, d.stripTrailingZeros().toString());
    }

    /** Whether the tenant lets a web page of this origin call the model APIs with its keys. */
    public boolean allowsOrigin(String origin) {
        return corsOrigins != null && corsOrigins.contains(origin);
    }

    /** Whether this principal may call the given model alias. */
    public boolean mayUse(String alias) {
        return allowedModels == null || allowedModels.contains(alias);
    }

    public boolean isAdmin() {
        return level == KeyLevel.ADMIN;
    }

    /** The narrower principal of a session minted from this app key. */
    public Principal forSession(Session session, List<String> sessionModels) {
        List<String> models = sessionModels == null ? allowedModels
                : allowedModels == null ? sessionModels : sessionModels.stream().filter(allowedModels::contains).toList();
        return new Principal(keyId, KeyLevel.SESSION, tenantId, models, keyLimits, tenantLimits, null, session, corsOrigins);
    }

    /**
     * The models a key may use given its own list and its tenant's (each empty or {@code null} = no restriction):
     * the intersection when both restrict, {@code null} when neither does.
     */
    public static List<String> effectiveModels(List<String> keyModels, List<String> tenantModels) {
        boolean keyRestricts = keyModels != null && !keyModels.isEmpty();
        boolean tenantRestricts = tenantModels != null && !tenantModels.isEmpty();
        if (!keyRestricts && !tenantRestricts) {
            return null;
        }
        if (!keyRestricts) {
            return List.copyOf(tenantModels);
        }
        if (!tenantRestricts) {
            return List.copyOf(keyModels);
        }
        return keyModels.stream().filter(tenantModels::contains).distinct().toList();
    }
}
