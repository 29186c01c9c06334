package io.nexusai.service.rest;

import io.nexusai.api.openai.ErrorType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;

/**
 * Refuses, before anything else reads it, a request whose decoded path or query contains the NUL character
 * ({@code %00}): no identifier or filter of ours contains it, and PostgreSQL cannot even compare text with it.
 * (JSON bodies are checked by {@link StrictJson}.)
 */
public class NulCharacterFilter {

    @ServerRequestFilter(preMatching = true, priority = 200)
    public Response refuseNul(ContainerRequestContext ctx) {
        return hasNul(ctx) ? RestErrorMappers.envelope(400, ErrorType.INVALID_REQUEST,
                "The request URL contains a NUL character (%00).", null, "invalid_request") : null;
    }

    private static boolean hasNul(ContainerRequestContext ctx) {
        if (ctx.getUriInfo().getPath().indexOf('\0') >= 0) {
            return true;
        }
        MultivaluedMap<String, String> query = ctx.getUriInfo().getQueryParameters();
        for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
            if (parameter.getKey().indexOf('\0') >= 0) {
                return true;
            }
            for (String value : parameter.getValue()) {
                if (value != null && value.indexOf('\0') >= 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
