package io.nexusai.service.rest;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.service.config.PlatformSecrets;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards {@code /internal/...}: only NexusAI services, presenting the token derived from
 * {@code NEXUS_SECRET_KEY}, may call service-to-service endpoints. During a secret rotation the token of
 * {@code NEXUS_SECRET_KEY_PREVIOUS} is accepted too, so servers can be rotated before their clients.
 */
public class InternalEndpointFilter {
    private final PlatformSecrets secrets;

    public InternalEndpointFilter(PlatformSecrets secrets) {
        this.secrets = secrets;
    }

    @ServerRequestFilter(preMatching = true)
    public Response guard(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/internal/") && !path.equals("/internal")) {
            return null;
        }
        String presented = ctx.getHeaderString(InternalToken.HEADER);
        if (InternalToken.matches(presented, secrets.internalToken())
                || secrets.previousInternalToken().map(previous -> InternalToken.matches(presented, previous)).orElse(false)) {
            return null;
        }
        return RestErrorMappers.envelope(401, ErrorType.AUTHENTICATION,
                "Internal endpoint: a service token is required.", null, "invalid_service_token");
    }
}
