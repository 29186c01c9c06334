package io.nexusai.metering.config;

import io.nexusai.service.db.BoundedPoolCreator;
import io.nexusai.service.db.DatabaseConfig;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.sqlclient.Pool;
import jakarta.inject.Singleton;

/**
 * The pool of the {@code read} datasource (the usage API's queries, on the read replica when
 * {@code NEXUS_DB_READ_HOST} is set) bounded like the primary's: service-common's creator serves only the default
 * datasource, Quarkus asking for a creator qualified with the datasource's name.
 */
@Singleton
@ReactiveDataSource(ReadPoolCreator.READ)
public class ReadPoolCreator implements PgPoolCreator {
    /** Name of the datasource the usage API reads from. */
    public static final String READ = "read";

    private final BoundedPoolCreator bounded;

    public ReadPoolCreator(DatabaseConfig config) {
        this.bounded = new BoundedPoolCreator(config);
    }

    @Override
    public Pool create(Input input) {
        return bounded.create(input);
    }
}
