package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What routing-service answers at {@code GET /internal/v1/routes/changes?since=N}: the route table's changes after
 * version {@code since}, or the whole table when they cannot be told ({@code full}: {@code since} is older than
 * the kept change log, or newer than the database).
 *
 * <p>A delta ({@code full = false}) applied to the snapshot of version {@code since} gives the snapshot of
 * {@code version}: every alias in {@code routes} replaces (or adds) that alias's entry, every alias in
 * {@code removed} is dropped, every other entry stays as it was.
 *
 * @param full        {@code true}: {@code routes} is the whole table, not a change
 * @param since       the version the delta starts from (as asked)
 * @param version     the configuration version the result brings the table to
 * @param generatedAt when routing-service built it
 * @param routes      alias → entry: changed and added aliases (a delta) or every alias (full)
 * @param removed     aliases that no longer have an active deployment (empty when full)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RouteDelta(boolean full, long since, long version, Instant generatedAt, Map<String, RouteEntry> routes,
                         List<String> removed) {
    public RouteDelta {
        routes = routes == null ? Map.of() : Map.copyOf(routes);
        removed = removed == null ? List.of() : List.copyOf(removed);
    }

    /** The whole table, for a gateway whose version the kept changes cannot bring up to date. */
    public static RouteDelta full(long since, RouteSnapshot snapshot) {
        return new RouteDelta(true, since, snapshot.version(), snapshot.generatedAt(), snapshot.routes(), List.of());
    }

    /** The full snapshot this answer carries; only when {@link #full()}. */
    public RouteSnapshot snapshot() {
        if (!full) {
            throw new IllegalStateException("a delta is not a snapshot");
        }
        return new RouteSnapshot(version, generatedAt, routes);
    }
}
