package io.nexusai.admin.rest;

import io.nexusai.api.auth.ApiKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Looks admin keys up in the database on every use (admin traffic is light), so that a revoked or expired admin
 * key stops working at once: for the REST API's bearer keys and the console's sign-in and sessions alike.
 */
@ApplicationScoped
public class AdminKeys {
    private static final String ACTIVE = " AND level = 'admin' AND status = 'active' AND (expires_at IS NULL OR expires_at > now())";
    private static final String BY_HASH = "SELECT id FROM api_keys WHERE key_hash = $1" + ACTIVE;
    private static final String BY_ID = "SELECT id FROM api_keys WHERE id = $1" + ACTIVE;
    private final Pool pool;

    public AdminKeys(Pool pool) {
        this.pool = pool;
    }

    /** The id of the active admin key whose secret is {@code secret}, or null. */
    public Uni<String> idOf(String secret) {
        return first(BY_HASH, ApiKeys.hash(secret));
    }

    /** Whether the admin key {@code keyId} is still active (not revoked, not expired). */
    public Uni<Boolean> isActive(String keyId) {
        return first(BY_ID, keyId).map(id -> id != null);
    }

    private Uni<String> first(String query, String value) {
        return pool.preparedQuery(query).execute(Tuple.of(value)).map(rows -> {
            RowIterator<Row> it = rows.iterator();
            return it.hasNext() ? it.next().getString("id") : null;
        });
    }
}
