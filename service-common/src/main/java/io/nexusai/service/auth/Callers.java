package io.nexusai.service.auth;

import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Who calls a REST endpoint, from its {@code Authorization} header, through the shared {@link PrincipalCache}. */
@ApplicationScoped
public class Callers {
    private final PrincipalCache principals;

    public Callers(PrincipalCache principals) {
        this.principals = principals;
    }

    /** The caller's principal; 401 without a (valid) key. */
    public Uni<Principal> caller(String authorization) {
        String token = BearerToken.from(authorization);
        if (token == null) {
            return Uni.createFrom().failure(ApiException.unauthorized("Missing API key: send Authorization: Bearer <key>."));
        }
        return principals.resolve(token);
    }

    /** The caller's principal if it holds an admin key; 401 without a key, 403 with another kind of key. */
    public Uni<Principal> admin(String authorization) {
        return caller(authorization).map(p -> {
            if (!p.isAdmin()) {
                throw ApiException.forbidden("This endpoint needs an admin key.", "admin_key_required");
            }
            return p;
        });
    }
}
