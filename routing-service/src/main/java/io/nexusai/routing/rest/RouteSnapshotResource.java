package io.nexusai.routing.rest;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.RouteTableWire;
import io.nexusai.routing.table.RouteTableRepository;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * The compiled route table for gateways (service token required), streamed in {@link RouteTableWire}'s format:
 * {@code GET /internal/v1/routes} is the whole table; {@code GET /internal/v1/routes/changes?since=N} the changes
 * after version N, or the whole table when they cannot be told ({@code "full": true}). Runs on a worker thread: the
 * table is read from a database cursor and written as the client takes it (the response's backpressure), so neither
 * the rows nor the text of a 100,000-alias table are ever held whole. Whatever fails before the first byte (the
 * database down) is answered as usual (503 {@code database_unavailable}); a failure later cuts the response short,
 * which the gateway's parser sees as a truncated table and drops.
 */
@Path("/internal/v1/routes")
@Produces(MediaType.APPLICATION_JSON)
public class RouteSnapshotResource {
    private final RouteTableRepository table;

    public RouteSnapshotResource(RouteTableRepository table) {
        this.table = table;
    }

    @GET
    @Blocking
    public Response snapshot() {
        return stream(table.open(null));
    }

    @GET
    @Path("/changes")
    @Blocking
    public Response changes(@QueryParam("since") String since) {
        long version;
        try {
            version = Long.parseLong(since == null ? "" : since);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'since' must be the configuration version the caller holds (an integer)", "since");
        }
        return stream(table.open(version));
    }

    private static Response stream(RouteTableRepository.Table opened) {
        StreamingOutput body = opened::writeTo;
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
