package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.CreationTimestamp;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** An admin or app key. Only its SHA-256 is stored; its signing secret (if any) only encrypted. */
@Entity
@Table(name = "api_keys")
public class ApiKey {
    @Id
    public String id;

    /** {@code admin} or {@code app}. */
    @Column(nullable = false)
    public String level;

    @Column(name = "tenant_id")
    public String tenantId;

    @Column(nullable = false)
    public String name;

    @Column(name = "key_hash", nullable = false, unique = true, length = 64)
    public String keyHash;

    @Column(name = "key_hint", nullable = false)
    public String keyHint;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "allowed_models", nullable = false)
    public List<String> allowedModels = new ArrayList<>();

    /** {@code active} or {@code revoked}. */
    @Column(nullable = false)
    public String status = "active";

    @Embedded
    public Limits limits = new Limits();

    /** Envelope of the HMAC signing secret; {@code null} when request signing is off for this key. */
    @Column(name = "signing_secret")
    public String signingSecretEnvelope;

    @CreationTimestamp
    @Column(name = "created_at", nullable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;

    @Column(name = "revoked_at")
    public OffsetDateTime revokedAt;

    @Column(name = "rotated_at")
    public OffsetDateTime rotatedAt;
}
