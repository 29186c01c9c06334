package io.nexusai.testsupport;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.crypto.EnvelopeCipher;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Writes control-plane rows straight into a test database, as admin-service would, for tests of the services
 * that only read them. Provider keys are encrypted with the given {@code DB_ENCRYPTION_KEY}.
 */
public final class ControlPlaneFixtures {
    private final DbCoordinates db;

    public ControlPlaneFixtures(DbCoordinates db) {
        this.db = db;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    public void tenant(String id, List<String> allowedModels) {
        exec("INSERT INTO tenants (id, name, allowed_models) VALUES (?, ?, ?)", c -> new Object[]{id, id, array(c, allowedModels)});
    }

    /** Inserts an active app key for the tenant and returns the key. */
    public String appKey(String tenantId, List<String> allowedModels) {
        String key = ApiKeys.generate(KeyLevel.APP);
        exec("INSERT INTO api_keys (id, level, tenant_id, name, key_hash, key_hint, allowed_models) VALUES (?, 'app', ?, 'test', ?, ?, ?)",
                c -> new Object[]{ApiKeys.newId("key_", 16), tenantId, ApiKeys.hash(key), ApiKeys.hint(key), array(c, allowedModels)});
        return key;
    }

    /** Inserts an active admin key and returns the key. */
    public String adminKey() {
        String key = ApiKeys.generate(KeyLevel.ADMIN);
        exec("INSERT INTO api_keys (id, level, name, key_hash, key_hint) VALUES (?, 'admin', 'test', ?, ?)",
                c -> new Object[]{ApiKeys.newId("key_", 16), ApiKeys.hash(key), ApiKeys.hint(key)});
        return key;
    }

    public void revoke(String key) {
        exec("UPDATE api_keys SET status = 'revoked', revoked_at = now() WHERE key_hash = ?", c -> new Object[]{ApiKeys.hash(key)});
    }

    /** Inserts a provider and returns its id. */
    public long provider(String name, String kind, String endpoint, String apiKey, String dbEncryptionKey) {
        String envelope = new EnvelopeCipher(dbEncryptionKey, Duration.ofHours(1)).encrypt(apiKey);
        return insertReturningId("INSERT INTO service_providers (name, kind, endpoint, api_key, api_key_hint) VALUES (?, ?, ?, ?, '...') RETURNING id",
                name, kind, endpoint, envelope);
    }

    /** Inserts a route (deployment) and returns its id. */
    public long route(String alias, long providerId, String realModel, BigDecimal costMultiplier, Integer weight, Map<String, Integer> regionWeights) {
        StringBuilder json = new StringBuilder("{");
        regionWeights.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        json.append('}');
        return insertReturningId("INSERT INTO model_routes (model_alias, provider_id, real_model_name, cost_multiplier, weight, region_weights)"
                + " VALUES (?, ?, ?, ?, ?, ?::jsonb) RETURNING id", alias, providerId, realModel, costMultiplier, weight, json.toString());
    }

    public void execute(String sql) {
        exec(sql, c -> new Object[0]);
    }

    private interface Params {
        Object[] of(Connection c) throws SQLException;
    }

    private void exec(String sql, Params params) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            Object[] values = params.of(c);
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long insertReturningId(String sql, Object... values) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            try (ResultSet r = ps.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Array array(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", (values == null ? List.<String>of() : values).toArray());
    }
}
