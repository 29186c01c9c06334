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
