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
 * @param allowedModels aliases this key may use; empty means every alias of the tenant
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Principal(String keyId, KeyLevel level, String tenantId, List<String> allowedModels) {

    public Principal {
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
    }

    /** Whether this principal may call the given model alias. */
    public boolean mayUse(String alias) {
        return allowedModels.isEmpty() || allowedModels.contains(alias);
    }

    public boolean isAdmin() {
        return level == KeyLevel.ADMIN;
    }
}
