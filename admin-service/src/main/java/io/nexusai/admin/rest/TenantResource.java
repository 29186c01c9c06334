package io.nexusai.admin.rest;

import io.nexusai.admin.service.KeyService;
import io.nexusai.admin.service.TenantService;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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

    public TenantResource(TenantService tenants, KeyService keys) {
        this.tenants = tenants;
        this.keys = keys;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<TenantView>> create(@Valid @NotNull TenantRequest body) {
        return tenants.create(body.id(), body.name(), body.allowedModels())
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

    /** Creates an app key; the answer's {@code key} is the only time the secret is shown. */
    @POST
    @Path("/{tenant}/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<KeyView>> createKey(@PathParam("tenant") String tenant, @Valid @NotNull KeyRequest body) {
        return keys.createAppKey(tenant, body.name(), body.allowedModels(), body.expiresAt())
                .map(c -> RestResponse.status(RestResponse.Status.CREATED, KeyView.created(c.key(), c.secret())));
    }

    @GET
    @Path("/{tenant}/keys")
    public Uni<List<KeyView>> listKeys(@PathParam("tenant") String tenant) {
        return keys.listForTenant(tenant).map(l -> l.stream().map(KeyView::of).toList());
    }
}
