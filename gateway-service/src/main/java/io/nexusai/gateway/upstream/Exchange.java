package io.nexusai.gateway.upstream;

import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.snapshot.Target;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One attempt of an upstream call: one HTTP exchange with one deployment, from opening the request to an
 * {@link Outcome}, reported exactly once to its {@link Listener} — whatever happens: an answer, an error status,
 * a refused or dropped connection, no first byte in time, a body that stops coming, or {@link #cancel()}. Its
 * one {@link Deadlines.Deadline} covers the connection and the first byte, then (for a body it reads) the gaps
 * between pieces; it is disarmed when the outcome is known.
 *
 * <p>A 2xx stream is reported at its head, paused, for {@link UpstreamStream} to relay; any other answer is
 * read whole first, so that a body that breaks off is still a failure of this attempt (nothing has gone to the
 * client: another deployment may serve the request). Error statuses become OpenAI errors through the translator
 * and {@link UpstreamErrors}.
 *
 * <p>One instance per attempt; confined to the request's event loop.
 */
public final class Exchange {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("NexusAI-Gateway");
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    private static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
    private static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");

    /** How an attempt ended. */
    public enum Outcome {
        /** 2xx: a stream's head (paused, to relay) or a whole body ({@link #body()}). */
        ANSWERED,
        /** 429: the deployment is rate limiting; another one may take the request. */
        RATE_LIMITED,
        /** Another 4xx: the provider found the request wrong; {@link #error()} goes back to the client. */
        REFUSED,
        /** 5xx or 408, no connection, no answer in time, a body broken off: the provider failed. */
        FAILED,
        /** Cancelled by the gateway (client gone, total timeout): nobody's failure. */
        CANCELLED
    }

    /** Told once, on the event loop, how the attempt ended. */
    @FunctionalInterface
    public interface Listener {
        void exchanged(Exchange exchange);
    }

    /** What an attempt sends besides the translated request: ids and trace context for the provider. */
    public record Headers(String requestId, String traceparent, String tracestate) {
    }

    private final UpstreamClient.Loop loop;
    private final Target target;
    private final Translator translator;
    private final UpstreamRequest call;
    private final boolean stream;
    private final long connectTimeoutMs;
    private final long firstByteTimeoutMs;
    private final long idleTimeoutMs;
    private final Headers headers;
    private final Deadlines.Deadline deadline = new Deadlines.Deadline(this::timedOut);
    private Listener listener;
    private HttpClientRequest request;
    private HttpClientResponse response;
    private Buffer body;
    private boolean bodyShared;
    private Outcome outcome;
    private ApiException error;
    private int status;
    private long startNanos;
    private long headNanos;

    public Exchange(UpstreamClient.Loop loop, Target target, Translator translator, UpstreamRequest call, boolean stream,
                    long connectTimeoutMs, long firstByteTimeoutMs, long idleTimeoutMs, Headers headers) {
        this.loop = loop;
        this.target = target;
        this.translator = translator;
        this.call = call;
        this.stream = stream;
        this.connectTimeoutMs = connectTimeoutMs;
        this.firstByteTimeoutMs = firstByteTimeoutMs;
        this.idleTimeoutMs = idleTimeoutMs;
        this.headers = headers;
    }

    /** Opens the request and sends it; {@code listener} hears the outcome once. */
    public void start(Listener listener) {
        this.listener = listener;
        startNanos = System.nanoTime();
        loop.deadlines().arm(deadline, firstByteTimeoutMs);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(call.url())
                .setConnectTimeout(connectTimeoutMs);
        loop.client().request(options, this::opened);
    }

    private void opened(AsyncResult<HttpClientRequest> opened) {
        if (outcome != null) {
            // cancelled or timed out while the connection was being obtained
            if (opened.succeeded()) {
                opened.result().reset();
            }
            return;
        }
        if (opened.failed()) {
            finish(Outcome.FAILED, UpstreamErrors.connectionFailure(target.label(), opened.cause()));
            return;
        }
        HttpClientRequest r = opened.result();
        request = r;
        // a failure of the request shows in response(): without a handler, each of our own resets (client gone,
        // timeouts) would be logged by Vert.x as an ERROR "Stream reset"
        r.exceptionHandler(ignored -> { });
        r.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
        r.putHeader(HttpHeaders.ACCEPT, stream ? EVENT_STREAM : JSON);
        r.putHeader(HttpHeaders.USER_AGENT, USER_AGENT);
        r.putHeader(REQUEST_ID, headers.requestId());
        // W3C trace context, the gateway's span as parent (never the client's header as it came)
        r.putHeader(TRACEPARENT, headers.traceparent());
        if (headers.tracestate() != null) {
            r.putHeader(TRACESTATE, headers.tracestate());
        }
        call.headers().forEach(r::putHeader);
        UpstreamCredentials.apply(target, r, call);
        r.response(this::head);
        r.end(call.body());
    }

    private void head(AsyncResult<HttpClientResponse> answered) {
        if (outcome != null) {
            return;
        }
        if (answered.failed()) {
            finish(Outcome.FAILED, UpstreamErrors.connectionFailure(target.label(), answered.cause()));
            return;
        }
        HttpClientResponse r = answered.result();
        response = r;
        headNanos = System.nanoTime();
        status = r.statusCode();
        translator.responseHeaders(status, r.headers());
        if (stream && status / 100 == 2) {
            // a reset before the relay takes over (client gone, total timeout) is expected, not an error to log
            r.exceptionHandler(ignored -> { });
            r.pause();
            finish(Outcome.ANSWERED, null);
            return;
        }
        loop.deadlines().arm(deadline, idleTimeoutMs);
        r.exceptionHandler(this::bodyFailed);
        r.handler(this::piece);
        r.endHandler(this::bodyEnded);
    }

    private void piece(Buffer piece) {
        if (outcome != null) {
            return;
        }
        loop.deadlines().touch(deadline, idleTimeoutMs);
        if (body == null) {
            body = piece;
            bodyShared = true;
        } else {
            if (bodyShared) {
                body = Buffer.buffer(Math.max(256, (body.length() + piece.length()) * 2)).appendBuffer(body);
                bodyShared = false;
            }
            body.appendBuffer(piece);
        }
    }

    private void bodyEnded(Void ignored) {
        if (outcome != null) {
            return;
        }
        Buffer whole = body == null ? Buffer.buffer() : body;
        if (status / 100 == 2) {
            body = whole;
            finish(Outcome.ANSWERED, null);
            return;
        }
        ApiException e = translator.error(status, whole, response.headers());
        body = null;
        if (status == 429) {
            finish(Outcome.RATE_LIMITED, e);
        } else if (UpstreamErrors.isProviderFailure(status)) {
            finish(Outcome.FAILED, e);
        } else {
            finish(Outcome.REFUSED, e);
        }
    }

    private void bodyFailed(Throwable failure) {
        if (outcome == null) {
            body = null;
            finish(Outcome.FAILED, UpstreamErrors.connectionFailure(target.label(), failure));
        }
    }

    private void timedOut() {
        if (outcome != null) {
            return;
        }
        ApiException e = response == null ? UpstreamErrors.firstByteTimeout(target.label())
                : UpstreamErrors.idleTimeout(target.label(), idleTimeoutMs);
        body = null;
        HttpClientRequest r = request;
        finish(Outcome.FAILED, e);
        if (r != null) {
            r.reset();
        }
    }

    /** Gives the attempt up (client gone, total timeout): the upstream request is reset, the outcome is CANCELLED. */
    public void cancel() {
        if (outcome != null) {
            return;
        }
        HttpClientRequest r = request;
        body = null;
        finish(Outcome.CANCELLED, null);
        if (r != null) {
            r.reset();
        }
    }

    /** A stream answered but no longer wanted (its request ended meanwhile): reset it. */
    public void discard() {
        if (request != null) {
            request.reset();
        }
        request = null;
        response = null;
        body = null;
    }

    private void finish(Outcome o, ApiException e) {
        outcome = o;
        error = e;
        loop.deadlines().disarm(deadline);
        if (o != Outcome.ANSWERED || !stream) {
            // nothing more is read from this exchange: the connection goes back to the pool (or was reset)
            request = null;
            response = null;
        }
        Listener l = listener;
        listener = null;
        l.exchanged(this);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The error to show (or to remember for failover) unless {@link Outcome#ANSWERED} or cancelled. */
    public ApiException error() {
        return error;
    }

    public Target target() {
        return target;
    }

    public Translator translator() {
        return translator;
    }

    /** The whole 2xx body of a non-streamed answer. */
    public Buffer body() {
        return body;
    }

    /** The upstream request of an answered stream (to reset it), for its relay. */
    public HttpClientRequest request() {
        return request;
    }

    /** The paused response of an answered stream, for its relay. */
    public HttpClientResponse response() {
        return response;
    }

    /** When the attempt started (nanoTime). */
    public long startNanos() {
        return startNanos;
    }

    /** From the start to the response head; for an attempt without one, to now. */
    public long timeToHeadNanos() {
        return (headNanos != 0 ? headNanos : System.nanoTime()) - startNanos;
    }
}
