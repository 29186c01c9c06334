package io.nexusai.gateway.routing;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.snapshot.Target;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import static io.nexusai.gateway.routing.RoutingFixtures.deployment;
import static io.nexusai.gateway.routing.RoutingFixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TargetHealthTest {
    final HealthRegistry registry = RoutingFixtures.registry(4, Duration.ofMillis(300));
    final Target target = route(AliasPolicy.DEFAULT, deployment(1, "a", 1, 1, null)).targets().get(0);
    final TargetHealth health = registry.of(target);

    static CompletionStage<String> fail() {
        return CompletableFuture.failedFuture(new RuntimeException("500"));
    }

    static CompletionStage<String> ok() {
        return CompletableFuture.completedFuture("ok");
    }

    String call(boolean succeed) throws Exception {
        try {
            return health.guard(succeed ? TargetHealthTest::ok : TargetHealthTest::fail).toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
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
    void opensOnlyWhenTheWindowIsFullOfFailuresThenProbesAfterItsDelayAndCloses() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> call(false)).hasMessage("500");
            assertThat(health.breakerState()).as("a few errors do not open it").isEqualTo(CircuitBreakerState.CLOSED);
        }
        assertThatThrownBy(() -> call(false)).hasMessage("500");
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(health.breakerOpen()).isTrue();
        assertThatThrownBy(() -> call(true)).isInstanceOf(CircuitBreakerOpenException.class);
        assertThat(HealthRegistry.stateValue(health)).isEqualTo(2);

        // after the delay the target is offered again, and the breaker lets one probe through
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.breakerOpen());
        assertThat(call(true)).isEqualTo("ok");
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        assertThat(HealthRegistry.stateValue(health)).isZero();
    }

    @Test
    void aFailedProbeOpensTheBreakerForAnotherDelay() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> call(false)).hasMessage("500");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.breakerOpen());
        assertThatThrownBy(() -> call(false)).hasMessage("500");
        assertThat(health.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(health.breakerOpen()).isTrue();
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
