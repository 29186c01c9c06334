package io.nexusai.admin.rest;

import io.nexusai.admin.service.RouteService;
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

/** {@code /admin/v1/routes}: model aliases and the deployments that serve them. */
@Path("/admin/v1/routes")
@Produces(MediaType.APPLICATION_JSON)
public class RouteResource {
    private final RouteService routes;

    public RouteResource(RouteService routes) {
        this.routes = routes;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<RouteView>> create(@Valid @NotNull RouteRequest body) {
        return routes.create(new RouteService.NewRoute(body.modelAlias(), body.providerId(), body.realModelName(),
                        body.costMultiplier(), body.weight(), body.rateLimit(), body.regionWeights(), body.priority(), body.isActive()))
                .map(r -> RestResponse.status(RestResponse.Status.CREATED, RouteView.of(r)));
    }

    @GET
    public Uni<List<RouteView>> list() {
        return routes.list().map(l -> l.stream().map(RouteView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<RouteView> get(@PathParam("id") long id) {
        return routes.get(id).map(RouteView::of);
    }
}
