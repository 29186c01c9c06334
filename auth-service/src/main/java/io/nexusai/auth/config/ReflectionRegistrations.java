package io.nexusai.auth.config;

import io.nexusai.auth.rest.SessionKeyResource;
import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * auth-service's own types that Jackson reads or writes, registered for reflection for native executables: the
 * session-key request and answer. Principals and the key-resolution bodies are common-api's (service-common's
 * ReflectionRegistrations). The build checks that every type Jackson bound in the tests is registered (docs/native.md).
 *
 * <p>Also {@link EndpointDisabled}, which service-common's RestServer looks up by name to know that this service
 * serves REST resources (strict JSON, transport limits): in a native executable {@code Class.forName} finds only
 * registered classes.
 */
@RegisterForReflection(targets = {SessionKeyResource.Request.class, SessionKeyResource.Response.class, EndpointDisabled.class})
public final class ReflectionRegistrations {
    private ReflectionRegistrations() {
    }
}
