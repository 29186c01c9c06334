package io.nexusai.admin.rest;

import io.nexusai.admin.service.KeyService;
import io.nexusai.admin.view.KeyView;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/** {@code /admin/v1/admin-keys}: keys of platform operators. Revoke and rotate them under {@code /admin/v1/keys}. */
@Path("/admin/v1/admin-keys")
@Produces(MediaType.APPLICATION_JSON)
public class AdminKeyResource {
    private final KeyService keys;
    private final AdminIdentity identity;

    public AdminKeyResource(KeyService keys, AdminIdentity identity) {
        this.keys = keys;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<KeyView>> create(@Valid @NotNull Requests.NewAdminKey body) {
        return keys.createAdminKey(identity.actor(), body.name(), body.expiresAt())
                .map(s -> RestResponse.status(RestResponse.Status.CREATED, KeyView.withSecrets(s.key(), s.secret(), null)));
    }

    @GET
    public Uni<List<KeyView>> list() {
        return keys.listAdminKeys().map(l -> l.stream().map(KeyView::of).toList());
    }
}
