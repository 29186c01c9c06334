package io.nexusai.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where a PostgreSQL database is, in the shapes our services and scripts take. */
public record DbCoordinates(String host, int port, String database, String user, String password) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** Config properties our Quarkus services read ({@code nexus.db.*}). */
    public Map<String, String> quarkusConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("nexus.db.host", host);
        config.put("nexus.db.port", Integer.toString(port));
        config.put("nexus.db.name", database);
        config.put("nexus.db.user", user);
        config.put("nexus.db.password", password == null ? "" : password);
        return config;
    }

    /** Environment variables our packaged services read ({@code NEXUS_DB_*}). */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NEXUS_DB_HOST", host);
        env.put("NEXUS_DB_PORT", Integer.toString(port));
        env.put("NEXUS_DB_NAME", database);
        env.put("NEXUS_DB_USER", user);
        env.put("NEXUS_DB_PASSWORD", password == null ? "" : password);
        return env;
    }
}
