package io.nexusai.gateway.pipeline;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightTest {
    @Test
    void refusesBeyondTheBoundAndCountsEachRefusal() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InFlight inFlight = new InFlight(3, registry);
        assertThat(inFlight.tryEnter()).isTrue();
        assertThat(inFlight.tryEnter()).isTrue();
        assertThat(inFlight.tryEnter()).isTrue();
        assertThat(inFlight.tryEnter()).isFalse();
        assertThat(inFlight.tryEnter()).isFalse();
        assertThat(inFlight.alive()).isEqualTo(3);
        assertThat(registry.get("nexus.requests.in.flight").gauge().value()).isEqualTo(3.0);
        assertThat(registry.get("nexus.overload.rejections").counter().count()).isEqualTo(2.0);
        inFlight.exit();
        assertThat(inFlight.tryEnter()).as("a released place is free again").isTrue();
        inFlight.exit();
        inFlight.exit();
        inFlight.exit();
        assertThat(registry.get("nexus.requests.in.flight").gauge().value()).isZero();
    }

    @Test
    void theDefaultBoundFollowsTheHeap() {
        assertThat(InFlight.defaultLimit(96L << 20)).isEqualTo(768);
        assertThat(InFlight.defaultLimit(256L << 20)).isEqualTo(2048);
        assertThat(InFlight.defaultLimit(8L << 20)).as("never below 64").isEqualTo(64);
        assertThat(InFlight.defaultBodyBytesLimit(1L << 30, 8L << 20)).isEqualTo(64L << 20);
        assertThat(InFlight.defaultBodyBytesLimit(96L << 20, 8L << 20)).as("one body of the largest size fits").isEqualTo(8L << 20);
        assertThat(new InFlight(0, new SimpleMeterRegistry()).limit()).isEqualTo(InFlight.defaultLimit(Runtime.getRuntime().maxMemory()));
    }
}
