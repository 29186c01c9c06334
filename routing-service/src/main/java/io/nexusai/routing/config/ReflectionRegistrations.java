package io.nexusai.routing.config;

import io.nexusai.routing.health.HealthMatrix;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * routing-service's own types that Jackson writes, registered for reflection for native executables: the provider
 * health matrix. Route snapshots and the gateways' health reports (read from Redis) are common-api's
 * (service-common's ReflectionRegistrations). The build checks that every type Jackson bound in the tests is
 * registered (docs/native.md).
 *
 * <p>Also {@link EndpointDisabled}, which service-common's RestServer looks up by name to know that this service
 * serves REST resources (strict JSON, transport limits): in a native executable {@code Class.forName} finds only
 * registered classes.
 */
@RegisterForReflection(targets = {HealthMatrix.Matrix.class, HealthMatrix.TargetHealth.class, EndpointDisabled.class})
public final class ReflectionRegistrations {
    private ReflectionRegistrations() {
    }
}
