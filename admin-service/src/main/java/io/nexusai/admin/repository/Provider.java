package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.util.HashMap;
import java.util.Map;

/** A service provider (vendor endpoint). Its API key is stored only as an encrypted envelope. */
@Entity
@Table(name = "service_providers")
public class Provider extends Timestamped {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(nullable = false)
    public String kind = "openai";

    @Column(nullable = false)
    public String endpoint;

    /** AES-256-GCM envelope of the API key ({@code nxenc:v1:...}). */
    @Column(name = "api_key", nullable = false)
    public String apiKeyEnvelope;

    @Column(name = "api_key_hint", nullable = false)
    public String apiKeyHint;

    @Column(nullable = false)
    public int weight = 100;

    @Column(name = "rate_limit", nullable = false)
    public int rateLimit = 60;

    public String region;

    @Column(name = "is_active", nullable = false)
    public boolean active = true;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> settings = new HashMap<>();

}
