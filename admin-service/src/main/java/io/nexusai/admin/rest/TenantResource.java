package io.nexusai.admin.rest;

import io.nexusai.admin.service.KeyService;
import io.nexusai.admin.service.TenantService;
import io.nexusai.admin.view.KeyView;
import io.nexusai.admin.view.TenantView;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/** {@code /admin/v1/tenants}: tenants and their app keys. */
@Path("/admin/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
public class TenantResource {
    private final TenantService tenants;
    private final KeyService keys;
    private final AdminIdentity identity;

    public TenantResource(TenantService tenants, KeyService keys, AdminIdentity identity) {
        this.tenants = tenants;
        this.keys = keys;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<TenantView>> create(@Valid @NotNull Requests.NewTenant body) {
        return tenants.create(identity.actor(), body.id(), new TenantService.Fields(body.name(), body.allowedModels(), body.corsOrigins(), true,
                        Requests.Limits.viewOf(body.limits())))
                .map(t -> RestResponse.status(RestResponse.Status.CREATED, TenantView.of(t)));
    }

    @GET
    public Uni<List<TenantView>> list() {
        return tenants.list().map(l -> l.stream().map(TenantView::of).toList());
    }

    @GET
    @Path("/{tenant}")
    public Uni<TenantView> get(@PathParam("tenant") String tenant) {
        return tenants.get(tenant).map(TenantView::of);
    }

    @PATCH
    @Path("/{tenant}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<TenantView> update(@PathParam("tenant") String tenant, @Valid @NotNull Requests.TenantPatch body) {
        return tenants.update(identity.actor(), tenant, new TenantService.Fields(body.name(), body.allowedModels(), body.corsOrigins(), body.isActive(),
                Requests.Limits.viewOf(body.limits()))).map(TenantView::of);
    }

    /** Deletes the tenant and its keys. */
    @DELETE
    @Path("/{tenant}")
    public Uni<RestResponse<Void>> delete(@PathParam("tenant") String tenant) {
        return tenants.delete(identity.actor(), tenant).map(v -> RestResponse.noContent());
    }

    /** Creates an app key; the answer's {@code key} (and {@code signing_secret}) is the only time they are shown. */
    @POST
    @Path("/{tenant}/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<KeyView>> createKey(@PathParam("tenant") String tenant, @Valid @NotNull Requests.NewKey body) {
        return keys.createAppKey(identity.actor(), tenant, new KeyService.Fields(body.name(), body.allowedModels(), body.expiresAt(),
                        Requests.Limits.viewOf(body.limits()), Boolean.TRUE.equals(body.signed())))
                .map(s -> RestResponse.status(RestResponse.Status.CREATED, KeyView.withSecrets(s.key(), s.secret(), s.signingSecret())));
    }

    @GET
    @Path("/{tenant}/keys")
    public Uni<List<KeyView>> listKeys(@PathParam("tenant") String tenant) {
        return keys.listForTenant(tenant).map(l -> l.stream().map(KeyView::of).toList());
    }
}
