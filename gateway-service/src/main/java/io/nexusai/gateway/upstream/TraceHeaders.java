package io.nexusai.gateway.upstream;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.http.HttpClientRequest;

/**
 * W3C trace context on upstream (provider) calls: the {@code traceparent} names the gateway's span of the
 * request as the parent (never a client's header passed on as it came), with the trace's {@code tracestate}.
 * Only trace context: no baggage leaves for a provider.
 */
public final class TraceHeaders {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapSetter<HttpClientRequest> SETTER = (request, name, value) -> request.putHeader(name, value);

    private TraceHeaders() {
    }

    /** Sets {@code traceparent} (and {@code tracestate}) of {@code span} on {@code request}; nothing when tracing is off. */
    public static void inject(SpanContext span, HttpClientRequest request) {
        if (span != null && span.isValid()) {
            W3C.inject(Context.root().with(Span.wrap(span)), request, SETTER);
        }
    }
}
