package io.nexusai.gateway.pipeline;

import io.nexusai.api.RequestIds;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. */
public final class Pipeline {
    private final List<Stage> stages;
    private final boolean sdkSpans;
    private final InFlight inFlight;
    private static final Buffer OVERLOADED = Buffer.buffer(new ApiException(503, ErrorType.UNAVAILABLE.wire(),
            "The gateway is at its limit of requests in flight; retry shortly.", null, "server_overloaded", List.of(), 1L)
            .toEnvelope().toJson());

    /**
     * @param sdkSpans whether OpenTelemetry's Vert.x HTTP server instrumentation opens a span per request (in
     *                 the gateway only with export: {@link io.nexusai.gateway.config.ServerTracing})
     */
    public Pipeline(List<Stage> stages, boolean sdkSpans, InFlight inFlight) {
        this.stages = List.copyOf(stages);
        this.sdkSpans = sdkSpans;
        this.inFlight = inFlight;
    }

    /**
     * Runs a request. Its trace ({@link RequestTrace}: the client's continued, or a new one) is settled here,
     * while the instrumentation's span, if any, is current: the stages go on in callbacks of other contexts
     * (Redis, upstream connections).
     */
    public void handle(RoutingContext http) {
        String clientRequestId = RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER));
        if (!inFlight.tryEnter()) {
            // refused before anything is held for it: no context, no body parsed, no upstream
            http.response().setStatusCode(503).putHeader("Content-Type", "application/json").putHeader("Retry-After", "1")
                    .putHeader(RequestIds.HEADER, clientRequestId != null ? clientRequestId : RequestIds.generate())
                    .end(OVERLOADED.slice());
            return;
        }
        new ProxyContext(http, stages, RequestIds.generate(), clientRequestId, RequestTrace.of(http.request(), sdkSpans), inFlight).proceed();
    }
}
