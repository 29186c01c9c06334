package io.nexusai.routing.rest;

import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.routing.table.RouteTableRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /internal/v1/routes}: the compiled route table for gateways (service token required). */
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
}
