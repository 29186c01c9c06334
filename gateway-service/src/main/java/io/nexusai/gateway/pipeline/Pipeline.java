package io.nexusai.gateway.pipeline;

import io.nexusai.api.RequestIds;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.pipeline.wire.OpenAiChatWire;
import io.nexusai.service.rest.LingeringClose;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. A request takes its place
 * among the requests in flight first, then (for the model APIs) its body is read here, within the replica's byte
 * budget for bodies ({@link InFlight}): a body larger than the limit gets 413, one that does not fit the budget
 * 503 {@code server_overloaded} — in both cases before it is read, when its length is declared.
 */
public final class Pipeline {
    private static final ApiException OVERLOADED = new ApiException(503, ErrorType.UNAVAILABLE.wire(),
            "The gateway is at its limit of requests in flight; retry shortly.", null, "server_overloaded", List.of(), 1L);
    private static final ApiException TOO_LARGE = new ApiException(413, ErrorType.INVALID_REQUEST,
            "The request body is too large.", null, "request_too_large");
    private static final ApiException UNREADABLE = ApiException.badRequest("The request body could not be read.", null);

    /** The early refusals in the ingress's error envelope, written once. */
    private final Buffer overloaded;
    private final Buffer tooLarge;
    private final Buffer unreadable;
    private final ClientWire wire;
    private final List<Stage> stages;
    private final boolean sdkSpans;
    private final InFlight inFlight;
    private final long maxBody;
    private final EarlyRefusals earlyRefusals;

    /**
     * A pipeline whose requests carry no body to read (e.g. {@code GET /v1/models}).
     *
     * @param sdkSpans whether OpenTelemetry's Vert.x HTTP server instrumentation opens a span per request (in
     *                 the gateway only with export: {@link io.nexusai.gateway.config.ServerTracing})
     */
    public Pipeline(List<Stage> stages, boolean sdkSpans, InFlight inFlight) {
        this(stages, sdkSpans, inFlight, -1, null, OpenAiChatWire.INSTANCE);
    }

    /**
     * A pipeline whose requests' bodies are read first.
     *
     * @param maxBody      the largest body accepted (bytes), or -1 for requests without a body to read
     * @param refusedEarly told the status of a request refused before its body was read (413, 400), for anomaly
     *                     detection; may be {@code null}
     */
    public Pipeline(List<Stage> stages, boolean sdkSpans, InFlight inFlight, long maxBody, EarlyRefusals refusedEarly) {
        this(stages, sdkSpans, inFlight, maxBody, refusedEarly, OpenAiChatWire.INSTANCE);
    }

    /**
     * A pipeline of an ingress API whose requests' bodies are read first.
     *
     * @param wire how the API answers its clients: every error of this pipeline (early refusals included) is written
     *             in its envelope, every stream in its framing
     */
    public Pipeline(List<Stage> stages, boolean sdkSpans, InFlight inFlight, long maxBody, EarlyRefusals refusedEarly,
                    ClientWire wire) {
        this.wire = wire;
        this.overloaded = wire.errorBody(OVERLOADED);
        this.tooLarge = wire.errorBody(TOO_LARGE);
        this.unreadable = wire.errorBody(UNREADABLE);
        this.stages = List.copyOf(stages);
        this.sdkSpans = sdkSpans;
        this.inFlight = inFlight;
        this.maxBody = maxBody;
        this.earlyRefusals = refusedEarly;
    }

    /** Told of a request refused before its pipeline started (its body too large or unreadable). */
    @FunctionalInterface
    public interface EarlyRefusals {
        void refused(RoutingContext http, int status);
    }

    /**
     * Runs a request. Its trace ({@link RequestTrace}: the client's continued, or a new one) is settled when its
     * context starts, while the instrumentation's span, if any, is current: the stages go on in callbacks of
     * other contexts (Redis, upstream connections).
     */
    public void handle(RoutingContext http) {
        String clientRequestId = RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER));
        if (!inFlight.tryEnter()) {
            // refused before anything is held for it: no context, no body read, no upstream
            refuse(http, wire.status(OVERLOADED), overloaded, clientRequestId, true);
            return;
        }
        if (maxBody < 0) {
            start(http, null, 0, clientRequestId);
            return;
        }
        new BodyRead(http, clientRequestId).start();
    }

    private void start(RoutingContext http, Buffer body, long bodyBytes, String clientRequestId) {
        new ProxyContext(http, stages, RequestIds.generate(), clientRequestId, RequestTrace.of(http.request(), sdkSpans), inFlight,
                body, bodyBytes, wire).proceed();
    }

    /** Answers a request that never got a context (its in-flight place is already given back, if it had one). */
    private static void refuse(RoutingContext http, int status, Buffer envelope, String clientRequestId, boolean overloaded) {
        var response = http.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader(RequestIds.HEADER, clientRequestId != null ? clientRequestId : RequestIds.generate());
        if (overloaded) {
            response.putHeader("Retry-After", "1");
        }
        response.end(envelope.slice());
        // the rest of the body is read and dropped (bounded): closing at once would reset the connection under a
        // client still sending, and it would never see this answer
        LingeringClose.discardRest(http.vertx(), http.request());
    }

    /** Reads one request's body within the byte budget, then starts its context. */
    private final class BodyRead {
        private final RoutingContext http;
        private final HttpServerRequest request;
        private final String clientRequestId;
        private final boolean declared;
        private Buffer body;
        private long length;
        /** Bytes of the budget held for this body. */
        private long taken;
        private boolean over;

        BodyRead(RoutingContext http, String clientRequestId) {
            this.http = http;
            this.request = http.request();
            this.clientRequestId = clientRequestId;
            String contentLength = request.getHeader("Content-Length");
            long n = -1;
            if (contentLength != null) {
                try {
                    n = Long.parseLong(contentLength.trim());
                } catch (NumberFormatException e) {
                    n = -1;
                }
            }
            this.declared = n >= 0;
            this.length = n;
        }

        void start() {
            if (declared && length > maxBody) {
                refused(413, tooLarge, false);
                return;
            }
            if (declared && !inFlight.tryTakeBodyBytes(length)) {
                refused(503, overloaded, true);
                return;
            }
            taken = declared ? length : 0;
            body = declared ? Buffer.buffer((int) length) : Buffer.buffer(1024);
            long[] received = {0};
            request.handler(piece -> {
                if (over) {
                    return;
                }
                received[0] += piece.length();
                if (received[0] > maxBody) {
                    refused(413, tooLarge, false);
                    return;
                }
                if (received[0] > taken) {
                    long more = received[0] - taken;
                    if (!inFlight.tryTakeBodyBytes(more)) {
                        refused(503, overloaded, true);
                        return;
                    }
                    taken += more;
                }
                body.appendBuffer(piece);
            });
            request.exceptionHandler(failure -> gone());
            // the client may leave before its body is complete (the context sets its own close handler later)
            http.response().closeHandler(v -> gone());
            request.endHandler(v -> {
                if (over) {
                    return;
                }
                over = true;
                Pipeline.this.start(http, body, taken, clientRequestId);
            });
            if (request.isEnded()) {
                // the body had already been read (e.g. by an earlier handler): nothing more will come
                over = true;
                refused(400, unreadable, false);
            }
        }

        private void gone() {
            if (!over) {
                over = true;
                body = null;
                release();
            }
        }

        private void refused(int status, Buffer envelope, boolean overloaded) {
            over = true;
            release();
            if (earlyRefusals != null && status != 503) {
                earlyRefusals.refused(http, status);
            }
            body = null;
            refuse(http, overloaded ? wire.status(OVERLOADED) : status, envelope, clientRequestId, overloaded);
        }

        private void release() {
            inFlight.giveBodyBytes(taken);
            taken = 0;
            inFlight.exit();
        }
    }
}
