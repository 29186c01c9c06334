package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteSnapshot;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** routing-service's snapshot endpoints. Package-private: callers use {@link RoutingServiceClient}. */
@RegisterRestClient(configKey = "routing-service")
@Path("/internal/v1/routes")
interface RoutingServiceApi {
    @GET
    Uni<RouteSnapshot> snapshot(@HeaderParam("Authorization") String serviceToken);

    @GET
    @Path("/changes")
    Uni<RouteDelta> changes(@HeaderParam("Authorization") String serviceToken, @QueryParam("since") long since);
}
