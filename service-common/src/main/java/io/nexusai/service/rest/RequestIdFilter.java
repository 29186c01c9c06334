package io.nexusai.service.rest;

import io.nexusai.api.RequestIds;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every REST request an id: the client's {@code x-request-id} when sane, else a new one. It is kept as
 * the request property {@value #PROPERTY} (audit entries carry it) and returned on the response.
 */
public class RequestIdFilter {
    public static final String PROPERTY = "nexus.request-id";

    @ServerRequestFilter(preMatching = true, priority = 100)
    public void assign(ContainerRequestContext ctx) {
        String id = RequestIds.sanitize(ctx.getHeaderString(RequestIds.HEADER));
        ctx.setProperty(PROPERTY, id != null ? id : RequestIds.generate());
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(PROPERTY);
        if (id != null) {
            response.getHeaders().putSingle(RequestIds.HEADER, id);
        }
    }
}
