package io.nexusai.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/**
 * A real PostgreSQL server: the configured one when it answers and accepts our credentials, otherwise an
 * embedded one (zonky's packaged server binaries, no install needed). Tests get a fresh database each, so
 * they never see each other's data nor a running local stack's.
 *
 * <p>Configured server for tests: {@code NEXUS_TEST_DB_HOST} (localhost), {@code NEXUS_TEST_DB_PORT} (5432),
 * {@code NEXUS_TEST_DB_USER} (postgres), {@code NEXUS_TEST_DB_PASSWORD} (postgres).
 */
public final class PostgresProvider {
    private static Server shared;

    /** A server that test databases can be created on. */
    public record Server(String host, int port, String user, String password, EmbeddedPostgres embedded) {
        public boolean isEmbedded() {
            return embedded != null;
        }

        /** Creates a database with a unique name starting with {@code prefix} and returns where it is. */
        public DbCoordinates newDatabase(String prefix) {
            String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            createDatabaseIfMissing(name);
            return new DbCoordinates(host, port, name, user, password);
        }

        /** Creates the named database unless it exists. */
        public void createDatabaseIfMissing(String name) {
            if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("unsafe database name: " + name);
            }
            try (Connection c = connect(host, port, "postgres", user, password);
                 Statement s = c.createStatement()) {
                try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                    if (r.next()) {
                        return;
                    }
                }
                s.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create database " + name + " on " + host + ":" + port, e);
            }
        }

        public void close() {
            if (embedded != null) {
                try {
                    embedded.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private PostgresProvider() {
    }

    /** The server shared by every test of this JVM, found or started on first use. */
    public static synchronized Server shared() {
        if (shared == null) {
            Server configured = tryConfigured(env("NEXUS_TEST_DB_HOST", "localhost"),
                    Integer.parseInt(env("NEXUS_TEST_DB_PORT", "5432")),
                    env("NEXUS_TEST_DB_USER", "postgres"), env("NEXUS_TEST_DB_PASSWORD", "postgres"));
            shared = configured != null ? configured : startEmbedded(0, null);
            Server server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-stop"));
        }
        return shared;
    }

    /** The configured server if it answers and accepts the credentials, else {@code null}. */
    public static Server tryConfigured(String host, int port, String user, String password) {
        if (!Ports.answers(host, port, 1000)) {
            return null;
        }
        try (Connection ignored = connect(host, port, "postgres", user, password)) {
            return new Server(host, port, user, password, null);
        } catch (SQLException e) {
            System.err.println("[test-support] PostgreSQL at " + host + ":" + port + " refused us ("
                    + e.getSQLState() + "); using an embedded server instead");
            return null;
        }
    }

    /**
     * Starts an embedded server on {@code port} (0 = any free port). With a data directory the data survives
     * restarts; without one it lives in a temporary directory. Tuned for tests: no fsync.
     */
    public static Server startEmbedded(int port, File dataDirectory) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(port == 0 ? Ports.free() : port)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            EmbeddedPostgres pg = builder.start();
            return new Server("127.0.0.1", pg.getPort(), "postgres", "", pg);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    static Connection connect(String host, int port, String db, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "3");
        props.setProperty("loginTimeout", "3");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, props);
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** A random suffix for names that must not collide between runs. */
    public static String randomSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
