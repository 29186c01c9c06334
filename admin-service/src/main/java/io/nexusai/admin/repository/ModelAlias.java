package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** How the gateway serves one alias: selection strategy, failover attempts and timeouts (table {@code model_aliases}). */
@Entity
@Table(name = "model_aliases")
public class ModelAlias extends Timestamped {
    @Id
    public String alias;

    @Column(nullable = false)
    public String strategy;

    @Column(name = "max_attempts", nullable = false)
    public int maxAttempts;

    @Column(name = "connect_timeout_ms", nullable = false)
    public int connectTimeoutMs;

    @Column(name = "first_byte_timeout_ms", nullable = false)
    public int firstByteTimeoutMs;

    @Column(name = "idle_timeout_ms", nullable = false)
    public int idleTimeoutMs;

    @Column(name = "total_timeout_ms", nullable = false)
    public int totalTimeoutMs;
}
