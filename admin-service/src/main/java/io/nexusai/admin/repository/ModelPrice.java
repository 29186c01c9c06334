package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.UpdateTimestamp;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** Price of a real model per 1M input and output tokens. */
@Entity
@Table(name = "model_prices")
public class ModelPrice {
    @Id
    public String model;

    @Column(name = "input_per_million", nullable = false, precision = 20, scale = 10)
    public BigDecimal inputPerMillion;

    @Column(name = "output_per_million", nullable = false, precision = 20, scale = 10)
    public BigDecimal outputPerMillion;

    @Column(nullable = false)
    public String currency = "USD";

    @UpdateTimestamp
    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
