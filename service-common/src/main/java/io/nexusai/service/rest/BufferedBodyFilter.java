package io.nexusai.service.rest;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.io.ByteArrayInputStream;

/**
 * Hands JAX-RS a body that {@link TransportLimits} has already read (a body without {@code Content-Length}, read
 * there to enforce the size limit with a proper answer). Without it, Quarkus REST would find the request ended and
 * read an empty body.
 */
public class BufferedBodyFilter {

    @ServerRequestFilter(preMatching = true, priority = 50)
    public void useBufferedBody(ContainerRequestContext ctx, RoutingContext routing) {
        Buffer body = routing.get(TransportLimits.BUFFERED_BODY);
        if (body != null) {
            ctx.setEntityStream(new ByteArrayInputStream(body.getBytes()));
        }
    }
}
