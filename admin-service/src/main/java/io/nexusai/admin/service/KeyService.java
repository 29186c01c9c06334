package io.nexusai.admin.service;

import io.nexusai.admin.repository.ApiKey;
import io.nexusai.admin.repository.ApiKeyRepository;
import io.nexusai.admin.repository.TenantRepository;
import io.nexusai.admin.view.KeyView;
import io.nexusai.admin.view.LimitsView;
import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Admin and app keys: created (the secret is shown once), listed, revoked, rotated, and (app keys) given an
 * HMAC signing secret. Every operation emits a key event carrying the key hash(es), so gateways drop a
 * revoked or rotated secret at once.
 */
@ApplicationScoped
public class KeyService {
    private final ApiKeyRepository keys;
    private final TenantRepository tenants;
    private final ConfigWriter writer;
    private final PlatformSecrets secrets;

    public KeyService(ApiKeyRepository keys, TenantRepository tenants, ConfigWriter writer, PlatformSecrets secrets) {
        this.keys = keys;
        this.tenants = tenants;
        this.writer = writer;
        this.secrets = secrets;
    }

    /** A key as shown once: the row and the secrets, which exist nowhere else in plaintext. */
    public record Shown(ApiKey key, String secret, String signingSecret) {
    }

    /** What a new key is made of. */
    public record Fields(String name, List<String> allowedModels, OffsetDateTime expiresAt, LimitsView limits, boolean signed) {
    }

    public Uni<Shown> createAppKey(Actor actor, String tenantId, Fields in) {
        return writer.write(actor, () -> tenants.findById(tenantId).flatMap(tenant -> tenant == null
                ? Uni.createFrom().failure(TenantService.notFound(tenantId))
                : create(KeyLevel.APP, tenantId, in)));
    }

    public Uni<Shown> createAdminKey(Actor actor, String name, OffsetDateTime expiresAt) {
        return writer.write(actor, () -> create(KeyLevel.ADMIN, null, new Fields(name, null, expiresAt, null, false)));
    }

    private Uni<Outcome<Shown>> create(KeyLevel level, String tenantId, Fields in) {
        String secret = ApiKeys.generate(level);
        ApiKey k = new ApiKey();
        k.id = ApiKeys.newId("key_", 16);
        k.level = level.wire();
        k.tenantId = tenantId;
        k.name = in.name();
        k.keyHash = ApiKeys.hash(secret);
        k.keyHint = ApiKeys.hint(secret);
        k.allowedModels = in.allowedModels() == null ? new ArrayList<>() : new ArrayList<>(in.allowedModels());
        k.expiresAt = in.expiresAt();
        if (in.limits() != null) {
            k.limits = TenantService.limits(in.limits());
        }
        String signing = in.signed() ? newSigningSecret(k) : null;
        return keys.persist(k).map(saved -> Outcome.of(new Shown(saved, secret, signing))
                .change(ConfigChange.Kind.KEYS, saved.id, saved.keyHash)
                .audit("create", "key", saved.id, null, KeyView.of(saved)));
    }

    @WithSession
    public Uni<List<ApiKey>> listForTenant(String tenantId) {
        return tenants.findById(tenantId).onItem().ifNull().failWith(() -> TenantService.notFound(tenantId))
                .flatMap(t -> keys.listByTenant(tenantId));
    }

    @WithSession
    public Uni<List<ApiKey>> listAdminKeys() {
        return keys.list("level = 'admin' order by createdAt, id");
    }

    @WithSession
    public Uni<ApiKey> get(String keyId) {
        return keys.findById(keyId).onItem().ifNull().failWith(() -> notFound(keyId));
    }

    /** Revokes a key; idempotent. An admin key cannot revoke itself (it would lock its holder out mid-request). */
    public Uni<ApiKey> revoke(Actor actor, String keyId) {
        if (keyId.equals(actor.keyId())) {
            return Uni.createFrom().failure(ApiException.conflict("An admin key cannot revoke itself; use another admin key.", null));
        }
        return writer.write(actor, () -> keys.findById(keyId).flatMap(k -> {
            if (k == null) {
                return Uni.createFrom().failure(notFound(keyId));
            }
            KeyView before = KeyView.of(k);
            if (!"revoked".equals(k.status)) {
                k.status = "revoked";
                k.revokedAt = OffsetDateTime.now(ZoneOffset.UTC);
            }
            return keys.flush().map(v -> Outcome.of(k)
                    .change(ConfigChange.Kind.KEYS, k.id, k.keyHash)
                    .audit("revoke", "key", k.id, before, KeyView.of(k)));
        }));
    }

    /** Gives an active key a new secret (shown once); the old secret stops working at once. */
    public Uni<Shown> rotate(Actor actor, String keyId) {
        return writer.write(actor, () -> keys.findById(keyId).flatMap(k -> {
            if (k == null) {
                return Uni.createFrom().failure(notFound(keyId));
            }
            if (!"active".equals(k.status)) {
                return Uni.createFrom().failure(ApiException.conflict("Key '" + keyId + "' is revoked; create a new one.", null));
            }
            KeyView before = KeyView.of(k);
            String oldHash = k.keyHash;
            String secret = ApiKeys.generate(KeyLevel.fromWire(k.level));
            k.keyHash = ApiKeys.hash(secret);
            k.keyHint = ApiKeys.hint(secret);
            k.rotatedAt = OffsetDateTime.now(ZoneOffset.UTC);
            return keys.flush().map(v -> Outcome.of(new Shown(k, secret, null))
                    .change(ConfigChange.Kind.KEYS, k.id, oldHash)
                    .change(ConfigChange.Kind.KEYS, k.id, k.keyHash)
                    .audit("rotate", "key", k.id, before, KeyView.of(k)));
        }));
    }

    /** Turns HMAC request signing on for an app key (a new signing secret, shown once) or off. */
    public Uni<Shown> signing(Actor actor, String keyId, boolean on) {
        return writer.write(actor, () -> keys.findById(keyId).flatMap(k -> {
            if (k == null) {
                return Uni.createFrom().failure(notFound(keyId));
            }
            if (!KeyLevel.APP.wire().equals(k.level)) {
                return Uni.createFrom().failure(ApiException.badRequest("Request signing applies to app keys only.", null));
            }
            KeyView before = KeyView.of(k);
            String signing = on ? newSigningSecret(k) : null;
            if (!on) {
                k.signingSecretEnvelope = null;
            }
            return keys.flush().map(v -> Outcome.of(new Shown(k, null, signing))
                    .change(ConfigChange.Kind.KEYS, k.id, k.keyHash)
                    .audit(on ? "enable_signing" : "disable_signing", "key", k.id, before, KeyView.of(k)));
        }));
    }

    private String newSigningSecret(ApiKey k) {
        String secret = "nxs-" + ApiKeys.newId("", 43);
        k.signingSecretEnvelope = secrets.cipher().encrypt(secret);
        return secret;
    }

    static ApiException notFound(String keyId) {
        return ApiException.notFound("No key '" + keyId + "'.", "key_not_found");
    }
}
