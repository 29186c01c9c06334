package io.nexusai.service.db;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the reactive PostgreSQL pool of a service (Quarkus' documented hook for it) bounded by
 * {@code NEXUS_DB_TIMEOUT}: connecting (TCP connect timeout), waiting for a free connection (the pool's connection
 * timeout, which also covers a login the server never answers) and each round trip ({@link BoundedPool}). At most
 * {@code NEXUS_DB_MAX_WAITING} requests wait for a connection; further ones fail at once. Quarkus has no
 * {@code quarkus.datasource.reactive.*} key for the pool's connection timeout or wait queue, hence this creator.
 * Only in services with a PostgreSQL datasource (the gateway has none).
 */
@Singleton
@IfBuildProperty(name = "quarkus.datasource.db-kind", stringValue = "postgresql")
public class BoundedPoolCreator implements PgPoolCreator {
    private static final Logger LOG = Logger.getLogger("io.nexusai.service.db");
    private final DatabaseConfig config;

    public BoundedPoolCreator(DatabaseConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        Bounds bounds = new Bounds(input.vertx(), config.timeout());
        int timeoutMillis = (int) bounds.timeoutMillis();
        PoolOptions poolOptions = input.poolOptions()
                .setConnectionTimeout(timeoutMillis)
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(Math.max(0, config.maxWaiting()));
        List<SqlConnectOptions> databases = new ArrayList<>();
        input.pgConnectOptionsList().forEach(o -> databases.add(o.setConnectTimeout(timeoutMillis)));
        Pool pool = PgBuilder.pool().with(poolOptions).connectingTo(databases).using(input.vertx()).build();
        LOG.infof("PostgreSQL pool of %d connections: every wait bounded by %s (NEXUS_DB_TIMEOUT), at most %d requests waiting"
                + " (NEXUS_DB_MAX_WAITING)", poolOptions.getMaxSize(), Bounds.text(config.timeout()), poolOptions.getMaxWaitQueueSize());
        return new BoundedPool(pool, bounds);
    }
}
