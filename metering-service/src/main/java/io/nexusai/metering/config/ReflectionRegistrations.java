package io.nexusai.metering.config;

import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.metering.rest.UsageResource;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * metering-service's own types that Jackson writes, registered for reflection for native executables: the answers
 * of the usage API. Usage events (read from the Redis stream) are common-api's (service-common's
 * ReflectionRegistrations). The build checks that every type Jackson bound in the tests is registered (docs/native.md).
 *
 * <p>Also {@link EndpointDisabled}, which service-common's RestServer looks up by name to know that this service
 * serves REST resources (strict JSON, transport limits): in a native executable {@code Class.forName} finds only
 * registered classes.
 */
@RegisterForReflection(targets = {
        UsageResource.UsageReport.class, UsageResource.Totals.class, UsageResource.EventList.class,
        UsageResource.AllocationReport.class, UsageRepository.StoredEvent.class, UsageRepository.Allocation.class,
        EndpointDisabled.class,
})
public final class ReflectionRegistrations {
    private ReflectionRegistrations() {
    }
}
