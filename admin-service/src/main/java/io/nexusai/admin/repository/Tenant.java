package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.util.ArrayList;
import java.util.List;

/** A tenant: an isolated key space with its own models, quotas and usage. */
@Entity
@Table(name = "tenants")
public class Tenant extends Timestamped {
    @Id
    public String id;

    @Column(nullable = false)
    public String name;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "allowed_models", nullable = false)
    public List<String> allowedModels = new ArrayList<>();

    /** Browser origins (scheme://host[:port]) whose pages may call the model APIs with this tenant's keys. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "cors_origins", nullable = false)
    public List<String> corsOrigins = new ArrayList<>();

    @Column(name = "is_active", nullable = false)
    public boolean active = true;

    @Embedded
    public Limits limits = new Limits();
}
