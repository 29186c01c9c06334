package io.nexusai.gateway.pipeline;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The breaker as the failover loop meets it, through real Vert.x routes against the mock provider: a target whose
 * breaker opened is passed over, one whose half-open probe is already out refuses the attempt that selected it (the
 * request goes on to the next target, the provider never called), and the probe's success closes it again.
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
@TestProfile(BreakerFailoverTest.ShortDelay.class)
class BreakerFailoverTest {
    private static final AliasPolicy QUICK = new AliasPolicy("weighted", 3, 2_000, 5_000, 5_000, 20_000);

    /** A breaker that opens after 4 attempts and waits 200 ms before its probe. */
    public static class ShortDelay implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.gateway.resilience.breaker-request-volume", "4",
                    "nexus.gateway.resilience.breaker-delay", "200ms");
        }
    }

    @Inject
    HealthRegistry health;

    UpstreamHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(h.alive()).as("requests alive").isZero();
                assertThat(h.armedDeadlines()).as("timeouts armed").isZero();
            });
            h.close();
        }
    }

    @Test
    void anOpenBreakerIsPassedOverAHalfOpenOneWithItsProbeOutRefusesAndAProbeThatSucceedsClosesIt() throws Exception {
        h = UpstreamHarness.ofApplication();
        h.fault("m-flaky", "\"status\": 500");
        h.alias("breaking", QUICK, h.onMock("m-flaky"), h.onMock("m-steady"));
        TargetHealth flaky = health.of(h.target("breaking", 0));

        // four requests: each fails on the flaky target and is served by the next; the fourth failure opens the breaker
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = h.post(UpstreamHarness.chat("breaking", "x", false, 20));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-nexus-attempts")).hasValue("2");
        }
        assertThat(flaky.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(countFor("m-flaky")).isEqualTo(4);

        // open: the flaky target is not even tried
        HttpResponse<String> passedOver = h.post(UpstreamHarness.chat("breaking", "x", false, 20));
        assertThat(passedOver.statusCode()).isEqualTo(200);
        assertThat(passedOver.headers().firstValue("x-nexus-attempts")).hasValue("1");
        assertThat(countFor("m-flaky")).isEqualTo(4);

        // after the delay the target is offered again; with its one probe taken (here by the test), the attempt that
        // selected it is refused before anything is sent, and the request goes on to the next target
        await().atMost(Duration.ofSeconds(10)).until(() -> !flaky.breakerOpen());
        int probe = flaky.acquire();
        assertThat(probe).isNotEqualTo(TargetHealth.REFUSED);
        assertThat(flaky.breakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
        HttpResponse<String> refused = h.post(UpstreamHarness.chat("breaking", "x", false, 20));
        assertThat(refused.statusCode()).isEqualTo(200);
        assertThat(refused.headers().firstValue("x-nexus-attempts")).as("the refused attempt counts").hasValue("2");
        assertThat(h.json(refused.body()).at("/choices/0/message/content").asText()).isEqualTo("Mock reply from m-steady: x");
        assertThat(countFor("m-flaky")).as("nothing sent to the refused target").isEqualTo(4);

        // the probe succeeds: closed, and the target serves again
        flaky.release(probe, false);
        assertThat(flaky.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        h.clearFaults();
        HttpResponse<String> back = h.post(UpstreamHarness.chat("breaking", "y", false, 20));
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(back.headers().firstValue("x-nexus-attempts")).hasValue("1");
        assertThat(h.json(back.body()).at("/choices/0/message/content").asText()).isEqualTo("Mock reply from m-flaky: y");
    }

    private int countFor(String model) throws Exception {
        return h.mockStats().path("by_model").path(model).asInt(0);
    }
}
