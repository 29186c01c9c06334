package io.nexusai.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.stage.UpstreamStage;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.StreamUsagePolicy;
import io.nexusai.gateway.usage.UsageMeter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Relays one upstream stream to the client, event by event as it arrives: the translator turns provider bytes
 * into OpenAI chunks, the usage policy decides what the client sees, and each chunk is written as
 * {@code data: <json>\n\n}; {@code data: [DONE]\n\n} ends a stream that the provider completed. A provider stream that
 * ends without its completion marker ({@code [DONE]}, {@code message_stop}) is a failure, not a clean end. Back-pressure: when the
 * client cannot keep up, reading from the upstream pauses. A provider failure after the first byte ends the
 * stream with an OpenAI error event (never a silent clean end); a client that leaves cancels the upstream
 * request. Either way the usage meter bills what was delivered. Right before the final write ({@code [DONE]} or the
 * error event) the stages' {@link ProxyContext#beforeLastByte()} hook runs: usage is final there.
 */
public final class UpstreamStream implements ProxyContext.StreamBody {
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ProxyContext ctx;
    private final HttpClientRequest upstreamRequest;
    private final HttpClientResponse upstream;
    private final Translator translator;
    private final StreamUsagePolicy policy;
    private final UsageMeter meter;
    private final ObjectMapper mapper;
    private final io.vertx.core.Vertx vertx;
    private final long idleTimeoutMs;
    private long idleTimer = -1;
    private HttpServerResponse out;
    private Runnable finished;
    private boolean ended;
    private boolean providerDone;
    private final GatewayMetrics metrics;
    /** When the attempt that answered was sent: the wait on the provider runs until its stream ends. */
    private final long waitingSince;
    private boolean waitCounted;
    private boolean started;
    /** Tells the call that owns this stream that it ended (its timers are cancelled there). */
    private final Runnable released;

    public UpstreamStream(ProxyContext ctx, HttpClientRequest upstreamRequest, HttpClientResponse upstream, Translator translator,
                          StreamUsagePolicy policy, UsageMeter meter, ObjectMapper mapper, io.vertx.core.Vertx vertx, long idleTimeoutMs,
                          GatewayMetrics metrics, long waitingSince, Runnable released) {
        this.released = released;
        this.ctx = ctx;
        this.upstreamRequest = upstreamRequest;
        this.upstream = upstream;
        this.translator = translator;
        this.policy = policy;
        this.meter = meter;
        this.mapper = mapper;
        this.vertx = vertx;
        this.idleTimeoutMs = idleTimeoutMs;
        this.metrics = metrics;
        this.waitingSince = waitingSince;
    }

    @Override
    public void start(HttpServerResponse response, Runnable finished) {
        this.out = response;
        this.finished = finished;
        started = true;
        metrics.streamStarted();
        meter.started();
        armIdleTimer();
        upstream.handler(piece -> {
            armIdleTimer();
            emit(translator.stream(piece, false));
        });
        upstream.endHandler(v -> {
            vertx.cancelTimer(idleTimer);
            emit(translator.stream(Buffer.buffer(), true));
            if (ended) {
                return;
            }
            if (!providerDone) {
                failStream(io.nexusai.gateway.provider.UpstreamErrors.midStream(
                                ctx.get(io.nexusai.gateway.pipeline.Selection.class).target().label(),
                        "the stream ended before it was complete"));
                return;
            }
            ended = true;
            ctx.beforeLastByte();
            out.end(DONE);
            end();
        });
        upstream.exceptionHandler(this::upstreamFailed);
        upstream.resume();
    }

    private void emit(StreamOutput output) {
        if (ended) {
            return;
        }
        meter.reported(output.usage());
        providerDone |= output.done();
        if (!output.chunks().isEmpty()) {
            Buffer batch = Buffer.buffer(256 * output.chunks().size());
            for (ObjectNode chunk : output.chunks()) {
                if (policy.forward(chunk)) {
                    meter.delivered(chunk);
                    try {
                        batch.appendBytes(DATA).appendBytes(mapper.writeValueAsBytes(chunk)).appendBytes(END);
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
                    }
                }
            }
            if (batch.length() > 0) {
                out.write(batch);
                if (meter.deliveredText()) {
                    ctx.firstContentSent();
                }
                if (out.writeQueueFull()) {
                    upstream.pause();
                    out.drainHandler(v -> upstream.resume());
                }
            }
        }
        if (output.error() != null) {
            failStream(output.error());
        }
    }

    /** The provider went silent between two pieces for longer than the alias's idle timeout. */
    private void armIdleTimer() {
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
        }
        idleTimer = vertx.setTimer(idleTimeoutMs, id -> {
            if (!ended) {
                failStream(new ApiException(504, io.nexusai.api.openai.ErrorType.TIMEOUT.wire(), "The provider went silent for more than "
                        + idleTimeoutMs + " ms during the stream.", null, "upstream_timeout", java.util.List.of(), null));
            }
        });
    }

    /** The request's total timeout passed while streaming. */
    public void timeout(long totalTimeoutMs) {
        if (!ended) {
            failStream(new ApiException(504, io.nexusai.api.openai.ErrorType.TIMEOUT.wire(), "The stream exceeded the total timeout of "
                    + totalTimeoutMs + " ms.", null, "timeout", java.util.List.of(), null));
        }
    }

    private void upstreamFailed(Throwable failure) {
        if (!ended) {
            failStream(UpstreamStage.connectionFailure(ctx.get(io.nexusai.gateway.pipeline.Selection.class).target(), failure));
        }
    }

    /** Ends the client's stream with an OpenAI error event and cancels the upstream. */
    private void failStream(ApiException error) {
        ended = true;
        meter.cut();
        ctx.recordOutcome(error.status());
        ctx.beforeLastByte();
        out.end(Buffer.buffer("data: " + error.toEnvelope().toJson() + "\n\n"));
        upstreamRequest.reset();
        end();
    }

    /** The client went away: stop reading, cancel the upstream, bill what was delivered. */
    public void clientGone() {
        if (ended) {
            return;
        }
        ended = true;
        meter.cut();
        ctx.recordOutcome(499);
        upstreamRequest.reset();
        end();
    }

    /**
     * The one way out, whatever ended the stream: the idle timer and the upstream handlers go, the owning call is
     * told (it cancels the total timer), the wait on the provider stops, the stream is no longer active.
     */
    private void end() {
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
        upstream.handler(null);
        upstream.endHandler(null);
        released.run();
        if (!waitCounted) {
            waitCounted = true;
            ctx.waitedUpstream(System.nanoTime() - waitingSince);
        }
        if (started) {
            started = false;
            metrics.streamEnded();
            finished.run();
        }
    }
}
