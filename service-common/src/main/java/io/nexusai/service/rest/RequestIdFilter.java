package io.nexusai.service.rest;

import io.nexusai.api.RequestIds;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Gives every REST request an id: the client's {@code x-request-id} when sane, else a new one. It is kept as
 * the request property {@value #PROPERTY} (audit entries carry it), returned on the response and put in the
 * logging MDC as {@value #MDC_KEY} (log lines of the request carry it, next to OpenTelemetry's {@code traceId}
 * and {@code spanId}). With {@code nexus.log.requests} (default on) each request is logged once, by resource
 * method, status and time: never its path, query or body, which may hold anything a client sent.
 */
public class RequestIdFilter {
    public static final String PROPERTY = "nexus.request-id";
    public static final String MDC_KEY = "requestId";
    private static final String STARTED = "nexus.request-started";
    private static final Logger REQUESTS = Logger.getLogger("io.nexusai.requests");

    @ConfigProperty(name = "nexus.log.requests", defaultValue = "true")
    boolean logRequests;

    @ServerRequestFilter(preMatching = true, priority = 100)
    public void assign(ContainerRequestContext ctx) {
        String id = RequestIds.sanitize(ctx.getHeaderString(RequestIds.HEADER));
        String requestId = id != null ? id : RequestIds.generate();
        ctx.setProperty(PROPERTY, requestId);
        ctx.setProperty(STARTED, System.nanoTime());
        // the MDC lives in the request's own (duplicated) Vert.x context: it ends with the request
        MDC.put(MDC_KEY, requestId);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response, SimpleResourceInfo resource) {
        Object id = request.getProperty(PROPERTY);
        if (id != null) {
            response.getHeaders().putSingle(RequestIds.HEADER, id);
        }
        if (logRequests && REQUESTS.isInfoEnabled()) {
            Object started = request.getProperty(STARTED);
            long micros = started instanceof Long t ? (System.nanoTime() - t) / 1000 : -1;
            String target = resource == null || resource.getResourceClass() == null ? "-"
                    : resource.getResourceClass().getSimpleName() + "." + resource.getMethodName();
            String method = request.getMethod();
            REQUESTS.infof("%s %s -> %d in %d us", method.length() > 16 ? "?" : method, target, response.getStatus(), micros);
        }
    }
}
