import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.events.RedisNames;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Seeds the control-plane database of the local stack for bench/catalogue-scale.sh: app keys and model aliases in
 * bulk, straight into api_keys and model_routes (generate_series, PostgreSQL's sha256()), then bumps config_version
 * and publishes the change on the config channel the way admin-service does. Aliases are written (and cleaned) in one
 * transaction with a config_version increment, as every admin write is, so that the route change log records them
 * and a gateway's delta pull sees them.
 *
 * <p>Keys are deterministic so that bench/catalogue.lua can compute key i itself: {@code nx-app-bench} followed by i
 * zero-padded to 35 digits (the format's 40 characters after {@code nx-app-}). Aliases are {@code bench-alias-}
 * and i zero-padded to 6 digits, each one route to the demo provider's real model. Every seeded row carries a
 * marker (key name, alias prefix) so that {@code clean} removes exactly them.
 *
 * <p>Usage (JDBC URL, user and password of the control-plane database first):
 * <pre>
 *   keys    URL USER PW TENANT N                 make exactly keys 0..N-1 exist (inserts the missing, deletes the rest)
 *   aliases URL USER PW PROVIDER REAL_MODEL N    make exactly aliases 0..N-1 exist
 *   publish URL USER PW REDIS_URL NAMESPACE KIND bump config_version, publish a ConfigChange of KIND (routes, keys)
 *   clean   URL USER PW                          delete every seeded key and alias
 * </pre>
 * Prints one line {@code key=value ...} of what it did.
 */
public final class Catalogue {
    static final String KEY_NAME = "catalogue-bench";
    static final String KEY_ID = "key_catbench_";
    static final String ALIAS = "bench-alias-";

    public static void main(String[] args) throws Exception {
        String cmd = args[0];
        try (Connection db = DriverManager.getConnection(args[1], args[2], args[3])) {
            switch (cmd) {
                case "keys" -> keys(db, args[4], Integer.parseInt(args[5]));
                case "aliases" -> aliases(db, args[4], args[5], Integer.parseInt(args[6]));
                case "publish" -> publish(db, args[4], args[5], ConfigChange.Kind.fromWire(args[6]));
                case "clean" -> clean(db);
                default -> throw new IllegalArgumentException("unknown command " + cmd);
            }
        }
    }

    private static long count(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void keys(Connection db, String tenant, int n) throws SQLException {
        long t0 = System.nanoTime();
        int deleted;
        int inserted;
        try (PreparedStatement del = db.prepareStatement("DELETE FROM api_keys WHERE name = ? AND id >= ?")) {
            del.setString(1, KEY_NAME);
            del.setString(2, KEY_ID + String.format("%09d", n));
            deleted = del.executeUpdate();
        }
        long have = count(db, "SELECT count(*) FROM api_keys WHERE name = '" + KEY_NAME + "'");
        // the key text is computed once per row in a sub-select; sha256() of its UTF-8 bytes, hex = ApiKeys.hash
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO api_keys (id, level, tenant_id, name, key_hash, key_hint)
                SELECT ? || lpad(i::text, 9, '0'), 'app', ?, ?, encode(sha256(convert_to(k, 'UTF8')), 'hex'),
                       'nx-app-...' || right(k, 4)
                  FROM (SELECT i, 'nx-app-bench' || lpad(i::text, 35, '0') AS k FROM generate_series(?, ?) AS i) s
                ON CONFLICT DO NOTHING
                """)) {
            ins.setString(1, KEY_ID);
            ins.setString(2, tenant);
            ins.setString(3, KEY_NAME);
            ins.setLong(4, have);
            ins.setLong(5, n - 1L);
            inserted = n > have ? ins.executeUpdate() : 0;
        }
        long now = count(db, "SELECT count(*) FROM api_keys WHERE name = '" + KEY_NAME + "'");
        if (now != n) {
            throw new IllegalStateException("expected " + n + " bench keys, found " + now);
        }
        System.out.printf("keys=%d inserted=%d deleted=%d seconds=%.1f%n", now, inserted, deleted, (System.nanoTime() - t0) / 1e9);
    }

    private static void aliases(Connection db, String provider, String realModel, int n) throws SQLException {
        long t0 = System.nanoTime();
        long providerId;
        try (PreparedStatement q = db.prepareStatement("SELECT id FROM service_providers WHERE name = ?")) {
            q.setString(1, provider);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no provider named " + provider);
                }
                providerId = rs.getLong(1);
            }
        }
        int deleted;
        int inserted;
        // one transaction with its config_version increment, as admin-service writes: the change log's triggers record
        // the aliases at that version, so a gateway's delta since its version includes them (routing-service V8)
        db.setAutoCommit(false);
        try (PreparedStatement del = db.prepareStatement("DELETE FROM model_routes WHERE model_alias LIKE ? AND model_alias >= ?")) {
            del.setString(1, ALIAS + "%");
            del.setString(2, ALIAS + String.format("%06d", n));
            deleted = del.executeUpdate();
        }
        long have = count(db, "SELECT count(*) FROM model_routes WHERE model_alias LIKE '" + ALIAS + "%'");
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO model_routes (model_alias, provider_id, real_model_name)
                SELECT ? || lpad(i::text, 6, '0'), ?, ? FROM generate_series(?, ?) AS i
                ON CONFLICT DO NOTHING
                """)) {
            ins.setString(1, ALIAS);
            ins.setLong(2, providerId);
            ins.setString(3, realModel);
            ins.setLong(4, have);
            ins.setLong(5, n - 1L);
            inserted = n > have ? ins.executeUpdate() : 0;
        }
        long now = count(db, "SELECT count(*) FROM model_routes WHERE model_alias LIKE '" + ALIAS + "%'");
        if (now != n) {
            db.rollback();
            throw new IllegalStateException("expected " + n + " bench aliases, found " + now);
        }
        count(db, "UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version");
        db.commit();
        db.setAutoCommit(true);
        System.out.printf("aliases=%d inserted=%d deleted=%d seconds=%.1f%n", now, inserted, deleted, (System.nanoTime() - t0) / 1e9);
    }

    /** What admin-service's ConfigWriter does after a committed write: config_version + 1, then the event. */
    private static void publish(Connection db, String redisUrl, String namespace, ConfigChange.Kind kind) throws Exception {
        long version = count(db, "UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version");
        String json = new ObjectMapper().writeValueAsString(new ConfigChange(kind, null, null, version));
        long receivers;
        try (Jedis redis = new Jedis(URI.create(redisUrl))) {
            receivers = redis.publish(new RedisNames(namespace).configChannel(), json);
        }
        System.out.printf("version=%d kind=%s receivers=%d%n", version, kind.wire(), receivers);
    }

    private static void clean(Connection db) throws SQLException {
        int keys;
        int routes;
        db.setAutoCommit(false); // with its config_version increment, as in aliases()
        try (PreparedStatement k = db.prepareStatement("DELETE FROM api_keys WHERE name = ? AND id LIKE ?");
             PreparedStatement r = db.prepareStatement("DELETE FROM model_routes WHERE model_alias LIKE ?")) {
            k.setString(1, KEY_NAME);
            k.setString(2, KEY_ID + "%");
            keys = k.executeUpdate();
            r.setString(1, ALIAS + "%");
            routes = r.executeUpdate();
        }
        count(db, "UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version");
        db.commit();
        db.setAutoCommit(true);
        System.out.printf("deleted_keys=%d deleted_aliases=%d%n", keys, routes);
    }
}
