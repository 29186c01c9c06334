package io.nexusai.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} application a fresh database of its own on a real PostgreSQL
 * ({@link PostgresProvider}), through the {@code nexus.db.*} properties every service reads.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile DbCoordinates current;

    @Override
    public Map<String, String> start() {
        current = PostgresProvider.shared().newDatabase("nexus_test");
        return current.quarkusConfig();
    }

    @Override
    public void stop() {
        // the database is left for post-mortems; embedded servers vanish with the JVM
    }

    /** The database of the running test application. */
    public static DbCoordinates current() {
        return current;
    }
}
