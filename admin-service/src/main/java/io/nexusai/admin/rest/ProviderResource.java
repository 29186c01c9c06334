package io.nexusai.admin.rest;

import io.nexusai.admin.service.ProviderService;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.ProviderView;
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

/** {@code /admin/v1/providers}: vendor endpoints and their (write-only) API keys or AWS credentials. */
@Path("/admin/v1/providers")
@Produces(MediaType.APPLICATION_JSON)
public class ProviderResource {
    private final ProviderService providers;
    private final AdminIdentity identity;

    public ProviderResource(ProviderService providers, AdminIdentity identity) {
        this.providers = providers;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<ProviderView>> create(@Valid @NotNull Requests.NewProvider body) {
        return providers.create(identity.actor(), new ProviderService.Fields(body.name(), body.kind(), body.endpoint(), body.apiKey(),
                        ProviderService.awsKeys("", body.awsAccessKeyId(), body.awsSecretAccessKey(), body.awsSessionToken()),
                        body.weight(), body.rateLimit(), body.region(), body.isActive(), body.settings()))
                .map(p -> RestResponse.status(RestResponse.Status.CREATED, ProviderView.of(p)));
    }

    @GET
    public Uni<List<ProviderView>> list() {
        return providers.list().map(l -> l.stream().map(ProviderView::of).toList());
    }

    @GET
    @Path(Rules.ID_PATH)
    public Uni<ProviderView> get(@PathParam("id") long id) {
        return providers.get(id).map(ProviderView::of);
    }

    @PATCH
    @Path(Rules.ID_PATH)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<ProviderView> update(@PathParam("id") long id, @Valid @NotNull Requests.ProviderPatch body) {
        return providers.update(identity.actor(), id, new ProviderService.Fields(body.name(), body.kind(), body.endpoint(), body.apiKey(),
                ProviderService.awsKeys("", body.awsAccessKeyId(), body.awsSecretAccessKey(), body.awsSessionToken()),
                body.weight(), body.rateLimit(), body.region(), body.isActive(), body.settings())).map(ProviderView::of);
    }

    /** Deletes the provider and its routes. */
    @DELETE
    @Path(Rules.ID_PATH)
    public Uni<RestResponse<Void>> delete(@PathParam("id") long id) {
        return providers.delete(identity.actor(), id).map(v -> RestResponse.noContent());
    }
}
