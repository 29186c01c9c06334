package io.nexusai.gateway.pipeline;

import io.nexusai.api.RequestIds;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. */
public final class Pipeline {
    private final List<Stage> stages;
    private final boolean sdkSpans;

    /**
     * @param sdkSpans whether OpenTelemetry's Vert.x HTTP server instrumentation opens a span per request (in
     *                 the gateway only with export: {@link io.nexusai.gateway.config.ServerTracing})
     */
    public Pipeline(List<Stage> stages, boolean sdkSpans) {
        this.stages = List.copyOf(stages);
        this.sdkSpans = sdkSpans;
    }

    /**
     * Runs a request. Its trace ({@link RequestTrace}: the client's continued, or a new one) is settled here,
     * while the instrumentation's span, if any, is current: the stages go on in callbacks of other contexts
     * (Redis, upstream connections).
     */
    public void handle(RoutingContext http) {
        new ProxyContext(http, stages, RequestIds.generate(), RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER)),
                RequestTrace.of(http.request(), sdkSpans)).proceed();
    }
}
