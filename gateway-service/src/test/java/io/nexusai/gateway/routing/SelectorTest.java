package io.nexusai.gateway.routing;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static io.nexusai.gateway.routing.RoutingFixtures.deployment;
import static io.nexusai.gateway.routing.RoutingFixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SelectorTest {
    static final AliasPolicy WEIGHTED = AliasPolicy.DEFAULT;
    static final AliasPolicy LATENCY = new AliasPolicy("latency", 3, 5_000, 120_000, 60_000, 600_000);

    final RandomGenerator random = new SplittableRandom(42);
    final HealthRegistry registry = RoutingFixtures.registry(4, Duration.ofMinutes(5));

    Map<String, Double> firstChoiceShares(RouteTable.Route route, int draws) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < draws; i++) {
            counts.merge(Selector.order(route, registry, random).get(0).key(), 1, Integer::sum);
        }
        Map<String, Double> shares = new HashMap<>();
        counts.forEach((k, v) -> shares.put(k, v / (double) draws));
        return shares;
    }

    @Test
    void weightedFirstChoicesFollowTheWeightsAndTheRestIsTheFailoverOrder() {
        RouteTable.Route route = route(WEIGHTED, deployment(1, "a", 50, 1, null), deployment(2, "b", 30, 1, null),
                deployment(3, "c", 20, 1, null));
        Map<String, Double> shares = firstChoiceShares(route, 100_000);
        assertThat(shares.get("1")).isCloseTo(0.5, within(0.01));
        assertThat(shares.get("2")).isCloseTo(0.3, within(0.01));
        assertThat(shares.get("3")).isCloseTo(0.2, within(0.01));
        List<Target> order = Selector.order(route, registry, random);
        assertThat(order).extracting(Target::key).containsExactlyInAnyOrder("1", "2", "3");
    }

    @Test
    void regionWeightsSplitARouteIntoRegionalTargets() {
        RouteTable.Route route = route(WEIGHTED, deployment(7, "azure", 100, 1, Map.of("eastus", 60, "westus", 40)));
        assertThat(route.targets()).extracting(Target::key).containsExactly("7@eastus", "7@westus");
        assertThat(route.targets()).extracting(Target::label).containsExactly("azure/eastus", "azure/westus");
        Map<String, Double> shares = firstChoiceShares(route, 100_000);
        assertThat(shares.get("7@eastus")).isCloseTo(0.6, within(0.01));
        assertThat(shares.get("7@westus")).isCloseTo(0.4, within(0.01));
    }

    @Test
    void lowerTiersComeOnlyAfterEveryUsableTargetOfTheTierAbove() {
        RouteTable.Route route = route(WEIGHTED, deployment(1, "a", 1, 1, null), deployment(2, "b", 1000, 2, null),
                deployment(3, "c", 1, 1, null));
        for (int i = 0; i < 1000; i++) {
            List<Target> order = Selector.order(route, registry, random);
            assertThat(order.subList(0, 2)).extracting(Target::key).containsExactlyInAnyOrder("1", "3");
            assertThat(order.get(2).key()).isEqualTo("2");
        }
    }

    @Test
    void openBreakersAreLeftOutCoolingDownGoesLastAndWeightZeroNeverComes() {
        RouteTable.Route route = route(WEIGHTED, deployment(1, "a", 10, 1, null), deployment(2, "b", 10, 1, null),
                deployment(3, "c", 10, 2, null), deployment(4, "d", 0, 1, null));
        Target first = route.targets().get(0);
        TargetHealth a = registry.of(first);
        for (int i = 0; i < 4; i++) {
            a.release(a.acquire(), true);
        }
        assertThat(a.breakerOpen()).isTrue();
        registry.of(route.targets().get(1)).coolDown(30);
        for (int i = 0; i < 100; i++) {
            assertThat(Selector.order(route, registry, random)).extracting(Target::key).containsExactly("3", "2");
        }
    }

    @Test
    void aSingleTargetIsOfferedUnlessItsBreakerIsOpenOrItsWeightIsZero() {
        RouteTable.Route one = route(WEIGHTED, deployment(1, "a", 10, 1, null));
        assertThat(Selector.order(one, registry, random)).extracting(Target::key).containsExactly("1");
        registry.of(one.targets().get(0)).coolDown(30);
        assertThat(Selector.order(one, registry, random)).as("cooling down, but nothing else is left")
                .extracting(Target::key).containsExactly("1");
        TargetHealth a = registry.of(one.targets().get(0));
        for (int i = 0; i < 4; i++) {
            a.release(a.acquire(), true);
        }
        assertThat(a.breakerOpen()).isTrue();
        assertThat(Selector.order(one, registry, random)).isEmpty();
        assertThat(Selector.order(route(LATENCY, deployment(2, "b", 0, 1, null)), registry, random)).isEmpty();
    }

    @Test
    void latencyAwareSendsMostTrafficToTheFasterTargetButKeepsMeasuringTheOther() {
        RouteTable.Route route = route(LATENCY, deployment(1, "fast", 1, 1, null), deployment(2, "slow", 1, 1, null));
        registry.of(route.targets().get(0)).succeeded(20_000_000);
        registry.of(route.targets().get(1)).succeeded(300_000_000);
        Map<String, Double> shares = firstChoiceShares(route, 20_000);
        assertThat(shares.get("1")).isCloseTo(1 - Selector.EXPLORE, within(0.01));
        assertThat(shares.get("2")).isCloseTo(Selector.EXPLORE, within(0.01));
    }
}
