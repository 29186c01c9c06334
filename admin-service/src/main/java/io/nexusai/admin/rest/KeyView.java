package io.nexusai.admin.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nexusai.admin.repository.ApiKey;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A key as the admin API shows it: id and hint only. {@code key} is present once, in the answer to the
 * request that created it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyView(String id, String level, String tenantId, String name, String keyHint, List<String> allowedModels,
                      String status, OffsetDateTime createdAt, OffsetDateTime expiresAt, OffsetDateTime revokedAt, String key) {

    static KeyView of(ApiKey k) {
        return new KeyView(k.id, k.level, k.tenantId, k.name, k.keyHint, k.allowedModels, k.status, k.createdAt, k.expiresAt,
                k.revokedAt, null);
    }

    static KeyView created(ApiKey k, String key) {
        return new KeyView(k.id, k.level, k.tenantId, k.name, k.keyHint, k.allowedModels, k.status, k.createdAt, k.expiresAt,
                k.revokedAt, key);
    }
}
