package io.nexusai.admin.repository;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;

/** One audited operation; before/after are masked views (no secrets). */
@Entity
@Table(name = "audit_log")
public class AuditEntry {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public OffsetDateTime at;

    @Column(name = "actor_key_id", nullable = false)
    public String actorKeyId;

    @Column(nullable = false)
    public String action;

    @Column(name = "object_type", nullable = false)
    public String objectType;

    @Column(name = "object_id", nullable = false)
    public String objectId;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode before;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode after;

    @Column(name = "request_id")
    public String requestId;
}
