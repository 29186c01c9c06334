package io.nexusai.admin.rest;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /admin/...} request needs {@code Authorization: Bearer <admin key>}. The key is checked against
 * the database on every call (admin traffic is light), so a revoked admin key stops working at once.
 */
public class AdminAuthFilter {
    private static final String QUERY = "SELECT id FROM api_keys WHERE key_hash = $1 AND level = 'admin' AND status = 'active'"
            + " AND (expires_at IS NULL OR expires_at > now())";
    private final Pool pool;
    private final AdminIdentity identity;

    public AdminAuthFilter(Pool pool, AdminIdentity identity) {
        this.pool = pool;
        this.identity = identity;
    }

    @ServerRequestFilter(preMatching = true, priority = jakarta.ws.rs.Priorities.AUTHENTICATION)
    public Uni<Void> authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/admin/") && !path.equals("/admin")) {
            return Uni.createFrom().voidItem();
        }
        String token = BearerToken.from(ctx.getHeaderString("Authorization"));
        if (token == null) {
            return Uni.createFrom().failure(ApiException.unauthorized(
                    "Missing admin key: send Authorization: Bearer <admin key>."));
        }
        return pool.preparedQuery(QUERY).execute(Tuple.of(ApiKeys.hash(token))).flatMap(rows -> {
            RowIterator<Row> it = rows.iterator();
            if (!it.hasNext()) {
                return Uni.createFrom().failure(ApiException.unauthorized("Invalid or revoked admin key."));
            }
            identity.set(it.next().getString("id"), (String) ctx.getProperty(io.nexusai.service.rest.RequestIdFilter.PROPERTY));
            return Uni.createFrom().voidItem();
        });
    }
}
