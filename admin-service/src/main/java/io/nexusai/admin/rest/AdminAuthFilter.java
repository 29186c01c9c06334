package io.nexusai.admin.rest;

import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /admin/...} request needs {@code Authorization: Bearer <admin key>}. The key is checked against
 * the database on every call ({@link AdminKeys}), so a revoked admin key stops working at once.
 */
public class AdminAuthFilter {
    private final AdminKeys adminKeys;
    private final AdminIdentity identity;

    public AdminAuthFilter(AdminKeys adminKeys, AdminIdentity identity) {
        this.adminKeys = adminKeys;
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
        return adminKeys.idOf(token).flatMap(keyId -> {
            if (keyId == null) {
                return Uni.createFrom().failure(ApiException.unauthorized("Invalid or revoked admin key."));
            }
            identity.set(keyId, (String) ctx.getProperty(io.nexusai.service.rest.RequestIdFilter.PROPERTY));
            return Uni.createFrom().voidItem();
        });
    }
}
