package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** Everything the gateway needs to serve one alias: its active deployments. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RouteEntry(String alias, List<Deployment> deployments) {
    public RouteEntry {
        deployments = List.copyOf(deployments);
    }
}
