package io.nexusai.gateway.health;

import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once a route table is installed (from routing-service or the kept snapshot). */
@Readiness
@ApplicationScoped
public class SnapshotReadiness implements HealthCheck {
    private final RouteSnapshotStore store;

    public SnapshotReadiness(RouteSnapshotStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        RouteTable table = store.table();
        return HealthCheckResponse.named("route-snapshot")
                .status(table != null)
                .withData("version", table == null ? -1 : table.version())
                .withData("aliases", table == null ? 0 : table.size())
                .build();
    }
}
