package io.nexusai.gateway.pipeline;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RequestTraceTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    @Test
    void aValidTraceparentIsContinuedUnderANewSpanOfTheGateway() {
        RequestTrace t = RequestTrace.start("00-" + TRACE + "-" + PARENT + "-01", "vendor=abc,other=1");
        assertThat(t.traceId()).isEqualTo(TRACE);
        assertThat(t.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT).isNotEqualTo("0".repeat(16));
        // nothing is recorded without export: the call upstream says so
        assertThat(t.traceparent()).isEqualTo("00-" + TRACE + "-" + t.spanId() + "-00");
        assertThat(t.traceState()).isEqualTo("vendor=abc,other=1");
    }

    @Test
    void aLaterVersionIsReadByItsVersion00Fields() {
        assertThat(RequestTrace.parentTraceId("01-" + TRACE + "-" + PARENT + "-01")).isEqualTo(TRACE);
        assertThat(RequestTrace.parentTraceId("cc-" + TRACE + "-" + PARENT + "-01-what-comes-next")).isEqualTo(TRACE);
        assertThat(RequestTrace.parentTraceId("cc-" + TRACE + "-" + PARENT + "-01x")).isNull();
    }

    @Test
    void malformedTraceparentsAreIgnored() {
        for (String bad : new String[] {
                null, "", "garbage",
                "00-" + "0".repeat(32) + "-" + PARENT + "-01",          // all-zero trace id
                "00-" + TRACE + "-" + "0".repeat(16) + "-01",           // all-zero parent id
                "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01",     // upper case
                "ff-" + TRACE + "-" + PARENT + "-01",                   // forbidden version
                "00-" + TRACE + "-" + PARENT + "-01-extra",             // version 00 has exactly four fields
                "00-" + TRACE + "-" + PARENT + "-1",                    // short flags
                "00_" + TRACE + "-" + PARENT + "-01",                   // separator
                "00-" + TRACE.substring(1) + "g-" + PARENT + "-01",     // not hex
                "0-" + TRACE + "-" + PARENT + "-01x",                   // short version
        }) {
            assertThat(RequestTrace.parentTraceId(bad)).as(String.valueOf(bad)).isNull();
            RequestTrace t = RequestTrace.start(bad, "vendor=abc");
            assertThat(t.traceId()).as(String.valueOf(bad)).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
            assertThat(t.traceState()).as("a new trace has no state of another").isNull();
        }
    }

    @Test
    void newTracesAndSpansAreRandomW3cIds() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            RequestTrace t = RequestTrace.start(null, null);
            assertThat(t.traceId()).matches("[0-9a-f]{32}");
            assertThat(t.spanId()).matches("[0-9a-f]{16}");
            assertThat(seen.add(t.traceId())).isTrue();
            assertThat(t.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        }
        assertThat(RequestTrace.hex(0x0123456789abcdefL, -1L)).isEqualTo("0123456789abcdefffffffffffffffff");
        assertThat(RequestTrace.hex(1L)).isEqualTo("0000000000000001");
    }

    @Test
    void aTracestateThatCouldInjectHeadersOrIsTooLongIsDropped() {
        String valid = "00-" + TRACE + "-" + PARENT + "-01";
        assertThat(RequestTrace.start(valid, "a=b\r\nx-evil: 1").traceState()).isNull();
        assertThat(RequestTrace.start(valid, "a=" + "b".repeat(600)).traceState()).isNull();
        assertThat(RequestTrace.start(valid, "").traceState()).isNull();
    }

    @Test
    void madeCurrentTheTraceIsTheParentOfWhatIsCalledInIt() {
        RequestTrace t = RequestTrace.start("00-" + TRACE + "-" + PARENT + "-01", null);
        try (Scope ignored = t.makeCurrent()) {
            SpanContext current = Span.current().getSpanContext();
            assertThat(current.getTraceId()).isEqualTo(TRACE);
            assertThat(current.getSpanId()).isEqualTo(t.spanId());
            assertThat(current.isSampled()).isFalse();
        }
        assertThat(Span.current().getSpanContext().isValid()).isFalse();
    }

    @Test
    void anSdkSpanIsTakenAsItIs() {
        SpanContext span = SpanContext.create(TRACE, PARENT, TraceFlags.getSampled(),
                TraceState.builder().put("vendor", "abc").put("other", "1").build());
        RequestTrace t = RequestTrace.of(Context.root().with(Span.wrap(span)));
        assertThat(t.traceId()).isEqualTo(TRACE);
        assertThat(t.spanId()).isEqualTo(PARENT);
        assertThat(t.traceparent()).isEqualTo("00-" + TRACE + "-" + PARENT + "-01");
        assertThat(t.traceState()).contains("vendor=abc").contains("other=1");
        assertThat(RequestTrace.of(Context.root())).isNull();
    }
}
