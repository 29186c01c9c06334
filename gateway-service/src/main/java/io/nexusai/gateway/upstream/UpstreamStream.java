package io.nexusai.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ClientWire;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.StreamUsagePolicy;
import io.nexusai.gateway.usage.UsageMeter;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Relays one upstream stream to the client, event by event as it arrives: the translator turns provider bytes
 * into the ingress's events (OpenAI chunks for chat), the usage policy decides what the client sees, and each is
 * framed by the ingress's {@link ClientWire} (chat: {@code data: <json>\n\n}, and {@code data: [DONE]\n\n} ends a
 * stream that the provider completed; Responses: {@code event: <type>\ndata: <json>\n\n}). A provider stream
 * that ends without its completion marker ({@code [DONE]}, {@code message_stop}) is a failure, not a clean end.
 * Back-pressure: when the client cannot keep up, reading from the upstream pauses. A provider failure after the
 * first byte, a gap longer than the idle timeout or the total timeout end the stream with an error event of the ingress
 * (never a silent clean end); a client that leaves cancels the upstream request. Either way the usage meter bills
 * what was delivered.
 *
 * <p>Every way out goes through {@link #end()}: the idle deadline is disarmed, the upstream handlers go, the owner
 * is told (it releases the rest of the request), the stream stops counting as active. Right before the final
 * write ({@code [DONE]} or the error event) the stages' {@link ProxyContext#beforeLastByte()} hook runs: usage is
 * final there. Confined to the request's event loop.
 */
public final class UpstreamStream implements ProxyContext.StreamBody {

    private final ProxyContext ctx;
    private final String provider;
    private final HttpClientRequest upstreamRequest;
    private final HttpClientResponse upstream;
    private final Translator translator;
    private final StreamUsagePolicy policy;
    private final UsageMeter meter;
    private final ObjectMapper mapper;
    /** The client's ingress format: how each event is framed, what ends the stream. */
    private final ClientWire wire;
    private final Deadlines deadlines;
    private final Deadlines.Deadline idle = new Deadlines.Deadline(this::idleTimeout);
    private final long idleTimeoutMs;
    private final GatewayMetrics metrics;
    /** When the attempt that answered was sent: the wait on the provider runs until its stream ends. */
    private final long waitingSince;
    /** Tells the owner of the request that the stream ended (it releases the rest). */
    private final Runnable released;
    private final Context context = Vertx.currentContext();
    private final Handler<Void> flush = v -> flush();
    /** Chunks emitted and not yet written: the pieces the upstream delivers in one read go out in one write. */
    private Buffer pending;
    private boolean flushQueued;
    private HttpServerResponse out;
    private Runnable finished;
    private boolean ended;
    private boolean providerDone;
    private boolean started;

    public UpstreamStream(ProxyContext ctx, Exchange answered, StreamUsagePolicy policy, UsageMeter meter, ObjectMapper mapper,
                          Deadlines deadlines, long idleTimeoutMs, GatewayMetrics metrics, Runnable released) {
        this.ctx = ctx;
        this.provider = answered.target().label();
        this.upstreamRequest = answered.request();
        this.upstream = answered.response();
        this.translator = answered.translator();
        this.waitingSince = answered.startNanos();
        this.policy = policy;
        this.meter = meter;
        this.mapper = mapper;
        this.wire = ctx.wire();
        this.deadlines = deadlines;
        this.idleTimeoutMs = idleTimeoutMs;
        this.metrics = metrics;
        this.released = released;
    }

    @Override
    public void start(HttpServerResponse response, Runnable finished) {
        this.out = response;
        this.finished = finished;
        started = true;
        metrics.streamStarted();
        meter.started();
        deadlines.arm(idle, idleTimeoutMs);
        upstream.handler(this::piece);
        upstream.endHandler(this::upstreamEnded);
        upstream.exceptionHandler(this::upstreamFailed);
        upstream.resume();
    }

    private void piece(Buffer piece) {
        if (ended) {
            return;
        }
        deadlines.touch(idle, idleTimeoutMs);
        emit(translator.stream(piece, false));
    }

    private void upstreamEnded(Void ignored) {
        if (ended) {
            return;
        }
        emit(translator.stream(Buffer.buffer(), true));
        if (ended) {
            return;
        }
        if (!providerDone) {
            failStream(UpstreamErrors.midStream(provider, "the stream ended before it was complete"));
            return;
        }
        ended = true;
        ctx.beforeLastByte();
        out.end(last(wire.streamEnd()));
        end();
    }

    private void emit(StreamOutput output) {
        meter.reported(output.usage());
        providerDone |= output.done();
        if (!output.chunks().isEmpty()) {
            Buffer batch = Buffer.buffer(256 * output.chunks().size());
            for (OpenAiJson chunk : output.chunks()) {
                if (policy.forward(chunk)) {
                    meter.delivered(chunk);
                    wire.frame(chunk, batch, mapper);
                }
            }
            if (batch.length() > 0) {
                if (pending == null) {
                    pending = batch;
                } else {
                    pending.appendBuffer(batch);
                }
                if (!flushQueued) {
                    // after the rest of this read: every piece it delivers joins this write (one flush, one syscall)
                    flushQueued = true;
                    context.runOnContext(flush);
                }
            }
        }
        if (output.error() != null) {
            failStream(output.error());
        }
    }

    private void flush() {
        flushQueued = false;
        Buffer batch = pending;
        pending = null;
        if (ended || batch == null) {
            return;
        }
        out.write(batch);
        if (meter.deliveredText()) {
            ctx.firstContentSent();
        }
        if (out.writeQueueFull()) {
            upstream.pause();
            out.drainHandler(v -> upstream.resume());
        }
    }

    /** What is still to be written, followed by the last event. */
    private Buffer last(Buffer event) {
        Buffer batch = pending;
        pending = null;
        if (batch == null) {
            return event;
        }
        if (meter.deliveredText()) {
            ctx.firstContentSent();
        }
        return batch.appendBuffer(event);
    }

    private void idleTimeout() {
        if (!ended) {
            failStream(UpstreamErrors.idleTimeout(provider, idleTimeoutMs));
        }
    }

    /** The request's total timeout passed while streaming. */
    public void timeout(long totalTimeoutMs) {
        if (!ended) {
            failStream(UpstreamErrors.streamTotalTimeout(totalTimeoutMs));
        }
    }

    private void upstreamFailed(Throwable failure) {
        if (!ended) {
            failStream(UpstreamErrors.connectionFailure(provider, failure));
        }
    }

    /** Ends the client's stream with an OpenAI error event and cancels the upstream. */
    private void failStream(ApiException error) {
        ended = true;
        meter.cut();
        ctx.recordOutcome(error.status());
        if (out != null) {
            ctx.beforeLastByte();
            out.end(last(failedEvents(error)));
        }
        upstreamRequest.reset();
        end();
    }

    /** The events that end a failed stream: the translator's own (stateful) ones, else the wire's error event. */
    private Buffer failedEvents(ApiException error) {
        List<OpenAiJson> events = translator.streamFailed(error);
        if (events == null) {
            return wire.streamError(error);
        }
        Buffer b = Buffer.buffer(256 * Math.max(1, events.size()));
        for (OpenAiJson event : events) {
            wire.frame(event, b, mapper);
        }
        return b;
    }

    /** The client went away (or the request is released): stop reading, cancel the upstream, bill what was delivered. */
    public void clientGone() {
        if (ended) {
            return;
        }
        ended = true;
        pending = null;
        meter.cut();
        ctx.recordOutcome(499);
        upstreamRequest.reset();
        end();
    }

    public boolean ended() {
        return ended;
    }

    /** The one way out, whatever ended the stream. */
    private void end() {
        deadlines.disarm(idle);
        upstream.handler(null);
        upstream.endHandler(null);
        if (out != null) {
            out.drainHandler(null);
        }
        released.run();
        ctx.waitedUpstream(System.nanoTime() - waitingSince);
        if (started) {
            started = false;
            metrics.streamEnded();
            finished.run();
        }
    }
}
