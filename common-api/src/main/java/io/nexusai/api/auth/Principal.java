package io.nexusai.api.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * Who is calling: the resolved identity behind a presented key.
 *
 * @param keyId         public id of the key (never the secret)
 * @param level         admin, app or session
 * @param tenantId      the tenant the key belongs to; {@code null} for admin keys
 * @param allowedModels aliases this key may use; {@code null} means every alias
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Principal(String keyId, KeyLevel level, String tenantId, List<String> allowedModels) {

    public Principal {
        allowedModels = allowedModels == null ? null : List.copyOf(allowedModels);
    }

    /** Whether this principal may call the given model alias. */
    public boolean mayUse(String alias) {
        return allowedModels == null || allowedModels.contains(alias);
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

    public boolean isAdmin() {
        return level == KeyLevel.ADMIN;
    }
}
