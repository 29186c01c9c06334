package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.service.config.PlatformSecrets;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.temporal.ChronoUnit;

/** The only door to routing-service: adds the service token and bounds the call in time. */
@ApplicationScoped
public class RoutingServiceClient {
    private final RoutingServiceApi api;
    private final String bearer;

    public RoutingServiceClient(@RestClient RoutingServiceApi api, PlatformSecrets secrets) {
        this.api = api;
        this.bearer = "Bearer " + secrets.internalToken();
    }

    @Timeout(value = 5, unit = ChronoUnit.SECONDS)
    public Uni<RouteSnapshot> snapshot() {
        return api.snapshot(bearer);
    }

    /** The changes after version {@code since}, or the whole table when routing-service cannot tell them. */
    @Timeout(value = 5, unit = ChronoUnit.SECONDS)
    public Uni<RouteDelta> changes(long since) {
        return api.changes(bearer, since);
    }
}
