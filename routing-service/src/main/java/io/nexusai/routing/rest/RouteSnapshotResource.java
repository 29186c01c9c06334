package io.nexusai.routing.rest;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.routing.table.RouteTableRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The compiled route table for gateways (service token required): {@code GET /internal/v1/routes} is the whole
 * table; {@code GET /internal/v1/routes/changes?since=N} the changes after version N, or the whole table when they
 * cannot be told ({@link RouteDelta#full()}).
 */
@Path("/internal/v1/routes")
@Produces(MediaType.APPLICATION_JSON)
public class RouteSnapshotResource {
    private final RouteTableRepository table;

    public RouteSnapshotResource(RouteTableRepository table) {
        this.table = table;
    }

    @GET
    public Uni<RouteSnapshot> snapshot() {
        return table.snapshot();
    }

    @GET
    @Path("/changes")
    public Uni<RouteDelta> changes(@QueryParam("since") String since) {
        long version;
        try {
            version = Long.parseLong(since == null ? "" : since);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'since' must be the configuration version the caller holds (an integer)", "since");
        }
        return table.changes(version);
    }
}
