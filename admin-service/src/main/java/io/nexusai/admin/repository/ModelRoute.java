package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/** One deployment of a model alias: a provider and the real model name there, with its share of traffic. */
@Entity
@Table(name = "model_routes")
public class ModelRoute extends Timestamped {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "model_alias", nullable = false)
    public String modelAlias;

    @Column(name = "provider_id", nullable = false)
    public Long providerId;

    @Column(name = "real_model_name", nullable = false)
    public String realModelName;

    @Column(name = "cost_multiplier", nullable = false, precision = 12, scale = 6)
    public BigDecimal costMultiplier = BigDecimal.ONE;

    /** {@code null}: the provider's weight. */
    public Integer weight;

    /** {@code null}: the provider's rate limit. */
    @Column(name = "rate_limit")
    public Integer rateLimit;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "region_weights", nullable = false)
    public Map<String, Integer> regionWeights = new HashMap<>();

    @Column(nullable = false)
    public int priority = 1;

    @Column(name = "is_active", nullable = false)
    public boolean active = true;

}
