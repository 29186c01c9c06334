package io.nexusai.admin.service;

import io.nexusai.admin.repository.ApiKey;
import io.nexusai.admin.repository.ApiKeyRepository;
import io.nexusai.admin.repository.TenantRepository;
import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** App keys of tenants: created (shown once), listed, revoked. */
@ApplicationScoped
public class KeyService {
    private final ApiKeyRepository keys;
    private final TenantRepository tenants;
    private final ConfigWriter writer;

    public KeyService(ApiKeyRepository keys, TenantRepository tenants, ConfigWriter writer) {
        this.keys = keys;
        this.tenants = tenants;
        this.writer = writer;
    }

    /** A freshly created key: the stored row and the secret, which exists nowhere else. */
    public record Created(ApiKey key, String secret) {
    }

    public Uni<Created> createAppKey(String tenantId, String name, List<String> allowedModels, OffsetDateTime expiresAt) {
        return writer.write(() -> tenants.findById(tenantId).flatMap(tenant -> {
            if (tenant == null) {
                return Uni.createFrom().failure(TenantService.notFound(tenantId));
            }
            String secret = ApiKeys.generate(KeyLevel.APP);
            ApiKey k = new ApiKey();
            k.id = ApiKeys.newId("key_", 16);
            k.level = KeyLevel.APP.wire();
            k.tenantId = tenantId;
            k.name = name;
            k.keyHash = ApiKeys.hash(secret);
            k.keyHint = ApiKeys.hint(secret);
            k.allowedModels = allowedModels == null ? new ArrayList<>() : new ArrayList<>(allowedModels);
            k.expiresAt = expiresAt;
            return keys.persist(k).map(saved -> new Created(saved, secret));
        }), c -> new ConfigWriter.Change(ConfigChange.Kind.KEYS, c.key().id, c.key().keyHash));
    }

    @WithSession
    public Uni<List<ApiKey>> listForTenant(String tenantId) {
        return tenants.findById(tenantId).onItem().ifNull().failWith(() -> TenantService.notFound(tenantId))
                .flatMap(t -> keys.listByTenant(tenantId));
    }

    public Uni<ApiKey> revoke(String keyId) {
        return writer.write(() -> keys.findById(keyId).flatMap(k -> {
            if (k == null) {
                return Uni.createFrom().failure(ApiException.notFound("No key '" + keyId + "'.", "key_not_found"));
            }
            if (!"revoked".equals(k.status)) {
                k.status = "revoked";
                k.revokedAt = OffsetDateTime.now(ZoneOffset.UTC);
            }
            return Uni.createFrom().item(k);
        }), k -> new ConfigWriter.Change(ConfigChange.Kind.KEYS, k.id, k.keyHash));
    }
}
