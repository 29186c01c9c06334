package io.nexusai.admin.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nexusai.admin.repository.ApiKey;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A key as the admin API shows it: id and hint only. {@code key} (and {@code signing_secret}) are present once,
 * in the answer to the request that created (or rotated) them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyView(String id, String level, String tenantId, String name, String keyHint, List<String> allowedModels,
                      String status, LimitsView limits, boolean signingRequired, OffsetDateTime createdAt,
                      OffsetDateTime expiresAt, OffsetDateTime revokedAt, OffsetDateTime rotatedAt, String key,
                      String signingSecret) {

    public static KeyView of(ApiKey k) {
        return withSecrets(k, null, null);
    }

    public static KeyView withSecrets(ApiKey k, String key, String signingSecret) {
        return new KeyView(k.id, k.level, k.tenantId, k.name, k.keyHint, List.copyOf(k.allowedModels), k.status, LimitsView.of(k.limits),
                k.signingSecretEnvelope != null, k.createdAt, k.expiresAt, k.revokedAt, k.rotatedAt, key, signingSecret);
    }
}
