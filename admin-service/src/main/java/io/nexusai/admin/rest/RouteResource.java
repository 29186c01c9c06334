package io.nexusai.admin.rest;

import io.nexusai.admin.service.RouteService;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.RouteView;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/** {@code /admin/v1/routes}: model aliases and the deployments that serve them. */
@Path("/admin/v1/routes")
@Produces(MediaType.APPLICATION_JSON)
public class RouteResource {
    private final RouteService routes;
    private final AdminIdentity identity;

    public RouteResource(RouteService routes, AdminIdentity identity) {
        this.routes = routes;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<RouteView>> create(@Valid @NotNull Requests.NewRoute body) {
        return routes.create(identity.actor(), new RouteService.Fields(body.modelAlias(), body.providerId(), body.realModelName(),
                        body.costMultiplier(), body.weight(), body.rateLimit(), body.regionWeights(), body.priority(), body.isActive()))
                .map(r -> RestResponse.status(RestResponse.Status.CREATED, RouteView.of(r)));
    }

    /** All routes, or those of one alias ({@code ?alias=}). */
    @GET
    public Uni<List<RouteView>> list(@QueryParam("alias") String alias) {
        return routes.list(alias).map(l -> l.stream().map(RouteView::of).toList());
    }

    @GET
    @Path(Rules.ID_PATH)
    public Uni<RouteView> get(@PathParam("id") long id) {
        return routes.get(id).map(RouteView::of);
    }

    @PATCH
    @Path(Rules.ID_PATH)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RouteView> update(@PathParam("id") long id, @Valid @NotNull Requests.RoutePatch body) {
        return routes.update(identity.actor(), id, new RouteService.Fields(body.modelAlias(), body.providerId(), body.realModelName(),
                body.costMultiplier(), body.weight(), body.rateLimit(), body.regionWeights(), body.priority(), body.isActive()))
                .map(RouteView::of);
    }

    @DELETE
    @Path(Rules.ID_PATH)
    public Uni<RestResponse<Void>> delete(@PathParam("id") long id) {
        return routes.delete(identity.actor(), id).map(v -> RestResponse.noContent());
    }
}
