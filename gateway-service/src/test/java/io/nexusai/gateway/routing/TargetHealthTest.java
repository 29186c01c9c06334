package io.nexusai.gateway.routing;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.snapshot.Target;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.nexusai.gateway.routing.RoutingFixtures.deployment;
import static io.nexusai.gateway.routing.RoutingFixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TargetHealthTest {
    final HealthRegistry registry = RoutingFixtures.registry(4, Duration.ofMillis(300));
    final Target target = route(AliasPolicy.DEFAULT, deployment(1, "a", 1, 1, null)).targets().get(0);
    final TargetHealth health = registry.of(target);

    /** One attempt through the breaker: {@code true} when it was let through (and then ended as told). */
    static boolean attempt(TargetHealth h, boolean fails) {
        int permit = h.acquire();
        if (permit == TargetHealth.REFUSED) {
            return false;
        }
        h.release(permit, fails);
        return true;
    }

    @Test
    void aTargetFindsItsHealthThroughItsMemoUntilTheRegistryEvictsIt() {
        assertThat(target.health()).as("memoised on the first lookup").isSameAs(health);
        assertThat(registry.of(target)).isSameAs(health);

        // another object for the same key (a recompiled route) finds the same health by key and memoises it too
        Target again = route(AliasPolicy.DEFAULT, deployment(1, "a", 1, 1, null)).targets().get(0);
        assertThat(again.health()).isNull();
        assertThat(registry.of(again)).isSameAs(health);
        assertThat(again.health()).isSameAs(health);

        // once evicted, the memo is not used: the next lookup starts a new health, held by the registry
        assertThat(registry.evict(health)).isTrue();
        TargetHealth fresh = registry.of(target);
        assertThat(fresh).isNotSameAs(health);
        assertThat(registry.get(target.key())).isSameAs(fresh);
        assertThat(registry.of(again)).as("the other object's stale memo is replaced too").isSameAs(fresh);
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void opensOnlyWhenTheWindowIsFullOfFailuresThenProbesAfterItsDelayAndCloses() {
        for (int i = 0; i < 3; i++) {
            assertThat(attempt(health, true)).isTrue();
            assertThat(health.breakerState()).as("a few errors do not open it").isEqualTo(CircuitBreakerState.CLOSED);
        }
        assertThat(attempt(health, true)).isTrue();
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(health.breakerOpen()).isTrue();
        assertThat(health.acquire()).as("refused while open").isEqualTo(TargetHealth.REFUSED);
        assertThat(HealthRegistry.stateValue(health)).isEqualTo(2);

        // after the delay the target is offered again, and the breaker lets one probe through
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.breakerOpen());
        int probe = health.acquire();
        assertThat(probe).isNotEqualTo(TargetHealth.REFUSED);
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
        assertThat(HealthRegistry.stateValue(health)).isEqualTo(1);
        assertThat(health.acquire()).as("one probe at a time (success threshold 1)").isEqualTo(TargetHealth.REFUSED);
        health.release(probe, false);
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        assertThat(HealthRegistry.stateValue(health)).isZero();
        assertThat(health.stateChanges()).as("closed -> open -> half-open -> closed").isEqualTo(3);

        // closed again with an empty window: three failures do not open it, a fourth does
        for (int i = 0; i < 3; i++) {
            attempt(health, true);
        }
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        attempt(health, true);
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    }

    @Test
    void aFailedProbeOpensTheBreakerForAnotherDelay() {
        for (int i = 0; i < 4; i++) {
            attempt(health, true);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.breakerOpen());
        assertThat(attempt(health, true)).as("the probe is let through").isTrue();
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(health.breakerOpen()).isTrue();
        assertThat(health.acquire()).isEqualTo(TargetHealth.REFUSED);
    }

    @Test
    void theWindowRollsOverTheLastAttemptsAndOpensAtTheFailureRatioOfAFullWindow() {
        // volume 4, ratio 0.5: 2 failures among the last 4 attempts open it
        assertThat(attempt(health, true)).isTrue();
        for (int i = 0; i < 3; i++) {
            attempt(health, false);
        }
        assertThat(health.breakerState()).as("1 failure in 4").isEqualTo(CircuitBreakerState.CLOSED);
        attempt(health, false);
        attempt(health, true);
        assertThat(health.breakerState()).as("the first failure rolled out: 1 in the last 4").isEqualTo(CircuitBreakerState.CLOSED);
        attempt(health, true);
        assertThat(health.breakerState()).as("2 in the last 4").isEqualTo(CircuitBreakerState.OPEN);

        TargetHealth other = new TargetHealth("x", new TargetHealth.BreakerSettings(4, 0.5, Duration.ofSeconds(10), 1));
        attempt(other, true);
        attempt(other, true);
        assertThat(other.breakerState()).as("2 failures, but the window is not full yet").isEqualTo(CircuitBreakerState.CLOSED);
        attempt(other, false);
        attempt(other, false);
        assertThat(other.breakerState()).as("full with 2 of 4: a success may complete the window that opens it")
                .isEqualTo(CircuitBreakerState.OPEN);
    }

    @Test
    void aHalfOpenBreakerLetsThroughAsManyProbesAsItsSuccessThresholdAndClosesWhenAllSucceed() {
        TargetHealth h = new TargetHealth("x", new TargetHealth.BreakerSettings(2, 1.0, Duration.ZERO, 3));
        attempt(h, true);
        attempt(h, true);
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        int[] probes = {h.acquire(), h.acquire(), h.acquire()};
        assertThat(probes).doesNotContain(TargetHealth.REFUSED);
        assertThat(h.acquire()).as("a fourth probe while three are out").isEqualTo(TargetHealth.REFUSED);
        h.release(probes[0], false);
        h.release(probes[1], false);
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
        h.release(probes[2], false);
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void anOutcomeCountsOnlyInTheStateItsAttemptStartedIn() {
        TargetHealth h = new TargetHealth("x", new TargetHealth.BreakerSettings(2, 1.0, Duration.ZERO, 1));
        int early = h.acquire();
        int late = h.acquire();
        attempt(h, true);
        attempt(h, true);
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        int probe = h.acquire();
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
        h.release(early, false);
        assertThat(h.breakerState()).as("a success begun while closed does not close the half-open breaker")
                .isEqualTo(CircuitBreakerState.HALF_OPEN);
        h.release(probe, false);
        assertThat(h.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        h.release(late, true);
        attempt(h, true);
        assertThat(h.breakerState()).as("the old failure did not count in the new window: 1 of 2")
                .isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new TargetHealth.BreakerSettings(0, 0.5, Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request volume 0");
        assertThatThrownBy(() -> new TargetHealth.BreakerSettings(10, 1.5, Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failure ratio 1.5");
        assertThatThrownBy(() -> new TargetHealth.BreakerSettings(10, 0.5, Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("success threshold 0");
    }

    @Test
    void aDeploymentAtItsRateLimitRefusesUntilTheMinuteMovesOn() {
        for (int i = 0; i < 5; i++) {
            assertThat(health.tryAcquire(5, 1.0)).isTrue();
        }
        assertThat(health.tryAcquire(5, 1.0)).isFalse();
        assertThat(health.tryAcquire(0, 1.0)).as("0 = no limit").isTrue();
    }

    @Test
    void latencyAverageAndPercentilesFollowTheSamples() {
        for (int i = 1; i <= 100; i++) {
            health.succeeded(i * 1_000_000L);
        }
        double[] p = health.percentiles();
        assertThat(p).containsExactly(50.0, 95.0, 99.0);
        assertThat(health.latencyMillis()).isBetween(90.0, 100.0);
        assertThat(health.successes()).isEqualTo(100);
    }

    @Test
    void percentilesCoverTheLast512SamplesAcrossTheBuffersGrowthAndItsWrap() {
        assertThat(health.percentiles()).isEmpty();
        health.succeeded(7_000_000L);
        assertThat(health.percentiles()).containsExactly(7.0, 7.0, 7.0);
        // 1..9 ms: past the first buffer (8) before the next growth
        for (int i = 1; i <= 9; i++) {
            health.failed(i * 1_000_000L);
        }
        assertThat(health.percentiles()).containsExactly(5.0, 9.0, 9.0);
        // 2,000 more: 1,000 of 1,000 ms, then 1,000 of 1..1,000 ms; only the last 512 (489..1,000 ms) count
        for (int i = 0; i < 1_000; i++) {
            health.succeeded(1_000_000_000L);
        }
        for (int i = 1; i <= 1_000; i++) {
            health.succeeded(i * 1_000_000L);
        }
        assertThat(health.percentiles()).containsExactly(744.0, 975.0, 995.0);
        assertThat(health.successes()).isEqualTo(2_001);
        assertThat(health.failures()).isEqualTo(9);
    }
}
