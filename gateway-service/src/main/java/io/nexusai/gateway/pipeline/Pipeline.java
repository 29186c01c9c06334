package io.nexusai.gateway.pipeline;

import io.nexusai.api.RequestIds;
import io.opentelemetry.api.trace.Span;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. */
public final class Pipeline {
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Runs a request. It is in the span that OpenTelemetry's Vert.x instrumentation opened for it (continuing
     * the client's {@code traceparent}, or a new trace): its context is taken here, while it is current, because
     * the stages go on in callbacks of other contexts (Redis, upstream connections).
     */
    public void handle(RoutingContext http) {
        new ProxyContext(http, stages, RequestIds.generate(), RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER)),
                Span.current().getSpanContext()).proceed();
    }
}
