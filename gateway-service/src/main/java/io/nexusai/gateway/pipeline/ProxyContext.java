package io.nexusai.gateway.pipeline;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request's trip through the pipeline: the "next" pointer over the stages, typed attachments that stages
 * hand each other, and the response being built. Failures of any stage become an error response here (in the
 * ingress API's envelope, {@link ClientWire}), the only place that writes one. Confined to the request's event loop; not thread-safe.
 */
public final class ProxyContext {
    private static final Logger LOG = Logger.getLogger(ProxyContext.class);
    /** MDC keys of a request's log lines: OpenTelemetry's names for the trace, the control plane's for the id. */
    public static final String TRACE_ID = "traceId", SPAN_ID = "spanId", REQUEST_ID = "requestId",
            CLIENT_REQUEST_ID = "clientRequestId";

    private final RoutingContext http;
    private final List<Stage> stages;
    private final String requestId;
    private final String clientRequestId;
    private final RequestTrace trace;
    /** Counts this request alive until {@link #complete()}, the one release whatever ended it. */
    private final InFlight inFlight;
    /** The request body as read by the pipeline ({@code null} for requests without one), and its share of the byte budget. */
    private final Buffer body;
    private final long bodyBytes;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    /** How errors and stream events are written for the client: its ingress API's format. */
    private ClientWire wire;
    private final Map<Class<?>, Object> attachments = new IdentityHashMap<>(8);
    private int index = -1;
    private boolean completed;
    private boolean lastByte;

    private int status = 200;
    private final MultiMap responseHeaders = MultiMap.caseInsensitiveMultiMap();
    private Buffer responseBody;
    private StreamBody streamBody;
    private ApiException failure;
    private boolean sent;
    private boolean clientClosed;
    private Runnable onClientClose;
    private final CloseListener closed;
    private long upstreamNanos;
    private long firstContentNanos = -1;

    /** A response body that flows after the head has been sent (e.g. an upstream event stream). */
    public interface StreamBody {
        /** Starts writing to {@code response} (status and headers already set); calls {@code finished} once at the end. */
        void start(HttpServerResponse response, Runnable finished);
    }

    ProxyContext(RoutingContext http, List<Stage> stages, String requestId, String clientRequestId, RequestTrace trace,
                 InFlight inFlight, Buffer body, long bodyBytes, ClientWire wire) {
        this.wire = wire;
        this.inFlight = inFlight;
        this.body = body;
        this.bodyBytes = bodyBytes;
        this.http = http;
        this.stages = stages;
        this.requestId = requestId;
        this.clientRequestId = clientRequestId;
        this.trace = trace;
        closed = new CloseListener(this);
        http.response().closeHandler(closed);
    }

    /**
     * The response's close handler, cut loose from the request when it completes: Vert.x keeps the last
     * response of a kept-alive connection (and its handlers) until the next request on it, and the handler must
     * not keep the whole request reachable meanwhile.
     */
    private static final class CloseListener implements io.vertx.core.Handler<Void> {
        private ProxyContext owner;

        CloseListener(ProxyContext owner) {
            this.owner = owner;
        }

        @Override
        public void handle(Void ignored) {
            ProxyContext ctx = owner;
            if (ctx != null) {
                ctx.onConnectionClosed();
            }
        }
    }

    /** What to do if the client goes away before the response is complete (e.g. cancel the upstream call). */
    public void onClientClose(Runnable action) {
        this.onClientClose = action;
    }

    /** Whether the client closed the connection before the response was complete. */
    public boolean clientClosed() {
        return clientClosed;
    }

    private void onConnectionClosed() {
        if (completed || clientClosed) {
            return;
        }
        clientClosed = true;
        Runnable action = onClientClose;
        if (action != null) {
            try {
                action.run();
            } catch (RuntimeException e) {
                inLogContext(() -> LOG.errorf(e, "cancelling %s after the client left failed", requestId));
            }
        }
        if (!sent) {
            status = 499;
            complete();
        }
    }

    /** Runs the next stage's request hook. */
    public void proceed() {
        index++;
        if (index >= stages.size()) {
            fail(new IllegalStateException("the last stage did not respond"));
            return;
        }
        Stage stage = stages.get(index);
        try {
            stage.onRequest(this);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** Runs the previous stage's response hook; after the first stage, sends the response. */
    public void respond() {
        index--;
        if (index < 0) {
            send();
            return;
        }
        try {
            stages.get(index).onResponse(this);
        } catch (RuntimeException e) {
            String stage = stages.get(index).getClass().getSimpleName();
            inLogContext(() -> LOG.errorf(e, "stage %s failed on the response of %s", stage, requestId));
            index = -1;
            send();
        }
    }

    /**
     * Turns a failure into the response (the ingress's error envelope, {@link ClientWire#errorBody}) and sends it back through the stages that ran (from a
     * stage's response hook: through the stages before it). {@link ApiException}s keep their status; anything else
     * is a 500 whose details stay in the log. Once the head has gone out, only the log hears of it.
     */
    public void fail(Throwable t) {
        if (sent) {
            inLogContext(() -> LOG.errorf(t, "failure after the response started for %s", requestId));
            return;
        }
        ApiException e;
        if (t instanceof ApiException api) {
            e = api;
        } else {
            inLogContext(() -> LOG.errorf(t, "request %s failed", requestId));
            e = new ApiException(500, ErrorType.SERVER, "The server had an error while processing your request.", null, null);
        }
        failure = e;
        status = wire.status(e);
        responseHeaders.set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (e.retryAfterSeconds() != null) {
            responseHeaders.set("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        responseBody = wire.errorBody(e, clientRequestId != null ? clientRequestId : requestId);
        respond();
    }

    private void send() {
        HttpServerResponse response = http.response();
        if (response.ended() || response.closed() || clientClosed) {
            complete();
            return;
        }
        sent = true;
        response.setStatusCode(status);
        response.headers().addAll(responseHeaders);
        response.putHeader("x-request-id", clientRequestId != null ? clientRequestId : requestId);
        if (streamBody != null && failure == null) {
            response.setChunked(true);
            streamBody.start(response, this::complete);
        } else if (responseBody == null) {
            beforeLastByte();
            response.end().onComplete(r -> complete());
        } else {
            beforeLastByte();
            response.end(responseBody).onComplete(r -> complete());
        }
    }

    /**
     * Runs every stage's {@link Stage#beforeLastByte} hook, once: called right before the response's last write —
     * here for a whole response, by the {@link StreamBody} for a stream.
     */
    public void beforeLastByte() {
        if (lastByte) {
            return;
        }
        lastByte = true;
        for (Stage stage : stages) {
            try {
                stage.beforeLastByte(this);
            } catch (RuntimeException e) {
                inLogContext(() -> LOG.errorf(e, "stage %s failed before the last byte of %s", stage.getClass().getSimpleName(), requestId));
            }
        }
    }

    private void complete() {
        if (completed) {
            return;
        }
        completed = true;
        try {
            for (Stage stage : stages) {
                try {
                    stage.onComplete(this);
                } catch (RuntimeException e) {
                    inLogContext(() -> LOG.errorf(e, "stage %s failed on completion of %s", stage.getClass().getSimpleName(), requestId));
                }
            }
        } finally {
            onClientClose = null;
            closed.owner = null;
            inFlight.giveBodyBytes(bodyBytes);
            inFlight.exit();
        }
    }

    public <T> void attach(Class<T> type, T value) {
        attachments.put(type, value);
    }

    /** The attachment of that type, or {@code null}. */
    public <T> T get(Class<T> type) {
        return type.cast(attachments.get(type));
    }

    /** How this request's answer is written: its ingress API's error envelope and stream framing. */
    public ClientWire wire() {
        return wire;
    }

    /**
     * Answers this request in another ingress format than its pipeline's (e.g. a models list asked for in
     * Anthropic's shape); before anything is sent.
     */
    public void wire(ClientWire wire) {
        this.wire = wire;
    }

    public RoutingContext http() {
        return http;
    }

    /** The raw request body ({@code null} when the endpoint reads none). */
    public Buffer body() {
        return body;
    }

    /**
     * The gateway's unique id of this request: the idempotency key of its usage event (a client cannot reuse
     * one to be billed once for many requests). Returned as {@code x-request-id} unless the client sent its own.
     */
    public String requestId() {
        return requestId;
    }

    /** The client's own {@code x-request-id}, echoed back and kept on the usage event; {@code null} if none. */
    public String clientRequestId() {
        return clientRequestId;
    }

    /**
     * The request's trace (the client's continued, or a new one): its trace id goes on the usage event and in
     * the logs, and the gateway's span id in it is the parent named in the {@code traceparent} sent upstream.
     */
    public RequestTrace trace() {
        return trace;
    }

    /** The W3C trace id of the request. */
    public String traceId() {
        return trace.traceId();
    }

    /**
     * Runs {@code log} with this request's ids in the logging MDC ({@code traceId}, {@code spanId},
     * {@code requestId}, {@code clientRequestId}), whatever context the calling callback runs in, and puts back
     * what was there. For the few lines a request logs: not free, so never per stage.
     */
    public void inLogContext(Runnable log) {
        Object oldTrace = MDC.get(TRACE_ID), oldSpan = MDC.get(SPAN_ID), request = MDC.get(REQUEST_ID), client = MDC.get(CLIENT_REQUEST_ID);
        try {
            MDC.put(TRACE_ID, trace.traceId());
            MDC.put(SPAN_ID, trace.spanId());
            MDC.put(REQUEST_ID, requestId);
            if (clientRequestId != null) {
                MDC.put(CLIENT_REQUEST_ID, clientRequestId);
            }
            log.run();
        } finally {
            restore(TRACE_ID, oldTrace);
            restore(SPAN_ID, oldSpan);
            restore(REQUEST_ID, request);
            restore(CLIENT_REQUEST_ID, client);
        }
    }

    private static void restore(String key, Object value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    public long startNanos() {
        return startNanos;
    }

    public long startMillis() {
        return startMillis;
    }

    public int status() {
        return status;
    }

    /** Adds time spent waiting on a provider (one attempt, or the relay of a stream). */
    public void waitedUpstream(long nanos) {
        upstreamNanos += nanos;
    }

    /** Time spent waiting on providers so far, all attempts. */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    /** Notes that the first content chunk of a stream was written to the client (the first call counts). */
    public void firstContentSent() {
        if (firstContentNanos < 0) {
            firstContentNanos = System.nanoTime() - startNanos;
        }
    }

    /** From the request's start to the first content chunk written to the client; -1 if none was. */
    public long firstContentNanos() {
        return firstContentNanos;
    }

    /** Sets the response to send back through the stages. */
    public void response(int status, Buffer body) {
        this.status = status;
        this.responseBody = body;
    }

    /** Sets a streamed response: the head goes back through the stages, then {@code body} writes the rest. */
    public void streamResponse(int status, StreamBody body) {
        this.status = status;
        this.streamBody = body;
    }

    /**
     * The outcome to record when it differs from the status already sent (a stream that started with 200 and
     * then failed).
     */
    public void recordOutcome(int status) {
        this.status = status;
    }

    /** Whether the response head has gone to the client: from here on, only stream events can follow. */
    public boolean sent() {
        return sent;
    }

    public MultiMap responseHeaders() {
        return responseHeaders;
    }

    public Buffer responseBody() {
        return responseBody;
    }

    /** The failure that became the response, or {@code null}. */
    public ApiException failure() {
        return failure;
    }
}
