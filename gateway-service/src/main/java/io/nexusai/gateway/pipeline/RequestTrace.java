package io.nexusai.gateway.pipeline;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C trace context of one gateway request: its trace id (the client's, or a new one), the gateway's own
 * span id in it, the sampled flag and the {@code tracestate} to pass on.
 *
 * <p>By default (no export) the gateway records no span of its own: {@link #start} reads the client's
 * {@code traceparent} itself (anything malformed is ignored) or makes new ids, with a few random numbers and
 * no OpenTelemetry objects, so tracing costs the hot path next to nothing. With export
 * ({@code NEXUS_TRACING_EXPORT=true}, with which the HTTP server is traced by OpenTelemetry's Vert.x
 * instrumentation: {@link io.nexusai.gateway.config.ServerTracing})
 * {@link #of(Context)} takes the recorded server span the instrumentation opened. Either way the ids are what
 * the provider's {@code traceparent}, the usage row and the log lines carry, and {@link #makeCurrent()} makes
 * them the parent of control-plane calls made for the request (the REST clients are instrumented).
 */
public final class RequestTrace {
    public static final String TRACEPARENT = "traceparent", TRACESTATE = "tracestate";
    private static final int TRACESTATE_MAX = 512;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final String traceId;
    private final String spanId;
    private final boolean sampled;
    private final String traceState;
    private final Context sdk;
    private String traceparent;

    private RequestTrace(String traceId, String spanId, boolean sampled, String traceState, Context sdk) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.sampled = sampled;
        this.traceState = traceState;
        this.sdk = sdk;
    }

    /**
     * The trace of a request: with {@code sdkSpans} (OpenTelemetry's HTTP server instrumentation is on) the
     * span it opened, which must be current (call from the request's handler); else, or when there is none,
     * {@link #start(HttpServerRequest)}.
     */
    public static RequestTrace of(HttpServerRequest request, boolean sdkSpans) {
        if (sdkSpans) {
            RequestTrace sdk = of(Context.current());
            if (sdk != null) {
                return sdk;
            }
        }
        return start(request);
    }

    /**
     * The trace of a request without an SDK span: the client's trace continued when its {@code traceparent} is
     * valid (with its {@code tracestate}), else a new trace; a new span id for the gateway in either case. Not
     * sampled: nothing is recorded.
     */
    public static RequestTrace start(HttpServerRequest request) {
        return start(request.getHeader(TRACEPARENT), request.getHeader(TRACESTATE));
    }

    static RequestTrace start(String traceparent, String tracestate) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String traceId = parentTraceId(traceparent);
        String state = null;
        if (traceId == null) {
            long high, low;
            do {
                high = random.nextLong();
                low = random.nextLong();
            } while (high == 0 && low == 0);
            traceId = hex(high, low);
        } else if (isSaneTraceState(tracestate)) {
            state = tracestate;
        }
        long span;
        do {
            span = random.nextLong();
        } while (span == 0);
        return new RequestTrace(traceId, hex(span), false, state, null);
    }

    /**
     * The trace of a request in the span OpenTelemetry's instrumentation opened for it ({@code context}, taken
     * while the request's handler runs), or {@code null} when that context holds no valid span.
     */
    public static RequestTrace of(Context context) {
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid()) {
            return null;
        }
        return new RequestTrace(span.getTraceId(), span.getSpanId(), span.isSampled(), format(span.getTraceState()), context);
    }

    /** 32 lowercase hex digits, never all zero. */
    public String traceId() {
        return traceId;
    }

    /** The gateway's span of the request: the parent named in what it calls. 16 lowercase hex digits. */
    public String spanId() {
        return spanId;
    }

    public boolean sampled() {
        return sampled;
    }

    /** The {@code traceparent} of calls the gateway makes for the request: this trace, the gateway's span as parent. */
    public String traceparent() {
        String t = traceparent;
        if (t == null) {
            t = "00-" + traceId + '-' + spanId + (sampled ? "-01" : "-00");
            traceparent = t;
        }
        return t;
    }

    /** The {@code tracestate} to pass on with {@link #traceparent()}, or {@code null}. */
    public String traceState() {
        return traceState;
    }

    /**
     * Makes this trace the current OpenTelemetry context until the scope is closed, so the instrumented REST
     * clients call the control plane as a child of the gateway's span. Allocates: only around such calls, never
     * per request.
     */
    public Scope makeCurrent() {
        Context context = sdk;
        if (context == null) {
            context = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(traceId, spanId,
                    sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
        }
        return context.makeCurrent();
    }

    /**
     * Runs {@code call} (which starts a control-plane call through an instrumented REST client) with this trace
     * current for as long as the call goes on: in a Vert.x context of its own, made for it, because the client
     * reads the trace from its caller's context when it sends, which is later than {@code call} returns. The
     * call's callbacks run in that context too. One context and one event-loop hop per call: only for what is
     * not on the hot path (a key seen for the first time).
     */
    public void callInTrace(Runnable call) {
        io.vertx.core.Context current = io.vertx.core.Vertx.currentContext();
        if (current == null) {
            try (Scope ignored = makeCurrent()) {
                call.run();
            }
            return;
        }
        io.vertx.core.Context own = io.smallrye.common.vertx.VertxContext.createNewDuplicatedContext(current);
        own.runOnContext(v -> {
            // not closed: the context is this call's alone and is dropped with it
            makeCurrent();
            call.run();
        });
    }

    /**
     * The trace id of a W3C {@code traceparent} (trace context level 1), or {@code null} when the header is
     * absent or not valid: version two lowercase hex digits, not {@code ff}; version {@code 00} exactly
     * {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, a later version that at least (more only
     * after a {@code -}); trace id and parent id not all zero.
     */
    static String parentTraceId(String header) {
        if (header == null || header.length() < 55) {
            return null;
        }
        if (!isHex(header, 0, 2) || (header.charAt(0) == 'f' && header.charAt(1) == 'f')) {
            return null;
        }
        boolean v00 = header.charAt(0) == '0' && header.charAt(1) == '0';
        if (v00 ? header.length() != 55 : header.length() > 55 && header.charAt(55) != '-') {
            return null;
        }
        if (header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        if (!isHex(header, 3, 35) || !isHex(header, 36, 52) || !isHex(header, 53, 55)) {
            return null;
        }
        if (allZero(header, 3, 35) || allZero(header, 36, 52)) {
            return null;
        }
        return header.substring(3, 35);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** A {@code tracestate} passed on as it came only when it is short and plain printable ASCII (no header injection). */
    static boolean isSaneTraceState(String state) {
        if (state == null || state.isEmpty() || state.length() > TRACESTATE_MAX) {
            return false;
        }
        for (int i = 0; i < state.length(); i++) {
            char c = state.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String format(TraceState state) {
        if (state.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        state.forEach((key, value) -> {
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(key).append('=').append(value);
        });
        return b.toString();
    }

    static String hex(long high, long low) {
        char[] out = new char[32];
        put(out, 0, high);
        put(out, 16, low);
        return new String(out);
    }

    static String hex(long value) {
        char[] out = new char[16];
        put(out, 0, value);
        return new String(out);
    }

    private static void put(char[] out, int at, long value) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }
}
