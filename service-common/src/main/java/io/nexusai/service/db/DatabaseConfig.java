package io.nexusai.service.db;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The PostgreSQL database of the control plane ({@code nexus.db.*}, environment {@code NEXUS_DB_*}): where it is,
 * and how long anything waits for it. Shared by admin-, auth-, routing- and metering-service; each service's
 * {@code quarkus.datasource.*} settings are made from these.
 */
@ConfigMapping(prefix = "nexus.db")
public interface DatabaseConfig {
    /** {@code NEXUS_DB_HOST}: where PostgreSQL answers. */
    @WithDefault("localhost")
    String host();

    /** {@code NEXUS_DB_PORT}. */
    @WithDefault("5432")
    int port();

    /** {@code NEXUS_DB_NAME}: the database. */
    @WithDefault("nexus")
    String name();

    /** {@code NEXUS_DB_USER}. */
    @WithDefault("nexus")
    String user();

    /** {@code NEXUS_DB_PASSWORD}; none by default. Never logged. */
    Optional<String> password();

    /**
     * {@code NEXUS_DB_TIMEOUT}: the longest anything waits for PostgreSQL — to connect, for a free connection of
     * the pool, and for the answer to each statement. Past it the request gets 503 {@code database_unavailable}
     * (with {@code Retry-After}), a background job fails and retries later, readiness goes down.
     */
    @WithDefault("5s")
    Duration timeout();

    /**
     * {@code NEXUS_DB_MAX_WAITING}: the most requests that wait for a free connection at once (each at most
     * {@link #timeout()}); beyond them, 503 {@code database_unavailable} at once, so requests cannot pile up while
     * the database hangs.
     */
    @WithDefault("100")
    int maxWaiting();
}
