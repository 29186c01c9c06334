package io.nexusai.routing.rest;

import io.nexusai.routing.health.HealthMatrix;
import io.nexusai.service.auth.Callers;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /admin/v1/providers/health}: the provider health matrix (admin key required). */
@Path("/admin/v1/providers/health")
@Produces(MediaType.APPLICATION_JSON)
public class ProviderHealthResource {
    private final HealthMatrix matrix;
    private final Callers callers;

    public ProviderHealthResource(HealthMatrix matrix, Callers callers) {
        this.matrix = matrix;
        this.callers = callers;
    }

    @GET
    public Uni<HealthMatrix.Matrix> health(@HeaderParam("Authorization") String authorization) {
        // built from every target's reports when they changed: a worker's job at 100,000 targets, not an event loop's
        return callers.admin(authorization).emitOn(Infrastructure.getDefaultWorkerPool()).map(admin -> matrix.current());
    }
}
