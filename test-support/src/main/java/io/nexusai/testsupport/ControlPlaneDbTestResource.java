package io.nexusai.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.flywaydb.core.Flyway;

import java.util.Map;

/**
 * For services that read the control-plane schema but do not own it (auth, routing, gateway tests): a fresh
 * database, migrated with the same Flyway scripts admin-service runs, exposed as {@code nexus.db.*}.
 */
public class ControlPlaneDbTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile DbCoordinates current;

    @Override
    public Map<String, String> start() {
        current = PostgresProvider.shared().newDatabase("nexus_test");
        migrate(current);
        return current.quarkusConfig();
    }

    @Override
    public void stop() {
    }

    /** Applies the control-plane migrations (common-api's {@code db/control-plane}) to a database. */
    public static void migrate(DbCoordinates db) {
        Flyway.configure()
                .dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/control-plane")
                .load()
                .migrate();
    }

    public static DbCoordinates current() {
        return current;
    }

    /** Fixtures on the current test database. */
    public static ControlPlaneFixtures fixtures() {
        return new ControlPlaneFixtures(current);
    }
}
