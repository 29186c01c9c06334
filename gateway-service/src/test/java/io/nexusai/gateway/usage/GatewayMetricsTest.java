package io.nexusai.gateway.usage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayMetricsTest {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final GatewayMetrics metrics = new GatewayMetrics(registry);

    @Test
    void overheadIsTotalMinusUpstreamWaitNeverNegative() {
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 9_250_000)).isEqualTo(750_000);
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 0)).isEqualTo(10_000_000);
        // clocks read a moment apart: the wait can come out a hair longer than the request
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 10_000_100)).isZero();
        assertThat(GatewayMetrics.overheadNanos(10_000_000, -5)).isEqualTo(10_000_000);

        metrics.overhead("alias-a", 10_000_000, 9_250_000);
        metrics.overhead("alias-a", 2_000_000, 1_000_000);
        var timer = registry.get("nexus.gateway.overhead").tag("model", "alias-a").timer();
        assertThat(timer.count()).isEqualTo(2);
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(1_750_000);
    }

    @Test
    void seriesAreRegisteredOnceAndFoundAgain() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-a");
        assertThat(metrics.series("openai", "alias-a")).isSameAs(s);
        assertThat(metrics.series("openai", "alias-b")).isNotSameAs(s);
        assertThat(metrics.series("azure", "alias-a")).isNotSameAs(s);

        metrics.request(s, 200, 5_000_000);
        metrics.request(s, 200, 7_000_000);
        metrics.request(s, 503, 1_000_000);
        metrics.request(s, 999, 1_000_000); // out of HTTP's range: counted under 0 rather than lost
        assertThat(registry.get("nexus.requests").tags("provider", "openai", "model", "alias-a", "status", "200").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("nexus.requests").tags("status", "503").counter().count()).isEqualTo(1);
        assertThat(registry.get("nexus.requests").tags("status", "0").counter().count()).isEqualTo(1);
        assertThat(registry.get("nexus.latency").tags("status", "200").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12);

        // meters a request never needed do not exist (no empty histograms per series)
        assertThat(registry.find("nexus.time.to.first.token").timer()).isNull();
        assertThat(registry.find("nexus.tokens").counter()).isNull();
        metrics.firstToken(s, 3_000_000);
        metrics.upstream(s, 4_000_000);
        assertThat(registry.get("nexus.time.to.first.token").tags("provider", "openai", "model", "alias-a").timer().count()).isEqualTo(1);
        assertThat(registry.get("nexus.upstream.latency").tags("provider", "openai", "model", "alias-a").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4);
    }

    @Test
    void meteredTokensAndCostAddUp() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-a");
        metrics.metered(s, 10, 5, 0.0025);
        metrics.metered(s, 7, 0, 0);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-a", "type", "prompt").counter().count()).isEqualTo(17);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-a", "type", "completion").counter().count()).isEqualTo(5);
        assertThat(registry.get("nexus.cost").tags("provider", "openai", "model", "alias-a").counter().count()).isEqualTo(0.0025);
    }

    @Test
    void cacheAndReasoningPartsAreCountedUnderTheirOwnTypes() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-c");
        metrics.metered(s, new io.nexusai.gateway.provider.TokenUsage(2000, 700, 1536, 0, 512, false), 0.01);
        metrics.metered(s, new io.nexusai.gateway.provider.TokenUsage(4237, 333, 3000, 1200, 0, false), 0);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "prompt").counter().count()).isEqualTo(6237);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "cached").counter().count()).isEqualTo(4536);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "cache_write").counter().count()).isEqualTo(1200);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "reasoning").counter().count()).isEqualTo(512);
        // parts that never occurred export nothing
        GatewayMetrics.Series plain = metrics.series("openai", "alias-d");
        metrics.metered(plain, 10, 5, 0);
        assertThat(registry.find("nexus.tokens").tags("model", "alias-d", "type", "cached").counter()).isNull();
    }

    @Test
    void activeStreamsGoBackToZero() {
        var gauge = registry.get("nexus.active.streams").gauge();
        assertThat(gauge.value()).isZero();
        metrics.streamStarted();
        metrics.streamStarted();
        assertThat(gauge.value()).isEqualTo(2);
        metrics.streamEnded();
        metrics.streamEnded();
        assertThat(gauge.value()).isZero();
    }
}
