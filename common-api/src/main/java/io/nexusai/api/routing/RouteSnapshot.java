package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.Map;

/**
 * The compiled route table routing-service serves at {@code GET /internal/v1/routes}: alias → active
 * deployments. Gateways hold the last good one in memory and serve from it without asking anyone.
 *
 * @param version     the configuration version it was built from (grows with every admin write)
 * @param generatedAt when routing-service built it
 * @param routes      alias → entry; only aliases with at least one active deployment
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RouteSnapshot(long version, Instant generatedAt, Map<String, RouteEntry> routes) {
    public RouteSnapshot {
        routes = routes == null ? Map.of() : Map.copyOf(routes);
    }

    public static RouteSnapshot empty() {
        return new RouteSnapshot(-1, Instant.EPOCH, Map.of());
    }
}
