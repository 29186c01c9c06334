package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.UpdateTimestamp;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** Price of a real model per 1M input, cached input, cache-write and output tokens. */
@Entity
@Table(name = "model_prices")
public class ModelPrice {
    @Id
    public String model;

    @Column(name = "input_per_million", nullable = false, precision = 20, scale = 10)
    public BigDecimal inputPerMillion;

    @Column(name = "output_per_million", nullable = false, precision = 20, scale = 10)
    public BigDecimal outputPerMillion;

    /** Input tokens read from the provider's prompt cache; {@code null}: the input rate applies. */
    @Column(name = "cached_input_per_million", precision = 20, scale = 10)
    public BigDecimal cachedInputPerMillion;

    /** Input tokens written to the provider's prompt cache (Anthropic); {@code null}: the input rate applies. */
    @Column(name = "cache_write_per_million", precision = 20, scale = 10)
    public BigDecimal cacheWritePerMillion;

    @Column(nullable = false)
    public String currency = "USD";

    @UpdateTimestamp
    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
