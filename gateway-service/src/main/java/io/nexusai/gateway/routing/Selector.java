package io.nexusai.gateway.routing;

import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Orders an alias's targets for one request: the first is the one to try, the rest are its failover order.
 * Priority tiers come one after the other (tier 2 only after every usable target of tier 1). Within a tier,
 * {@code weighted} draws targets at random in proportion to their weights (without replacement); {@code latency}
 * takes two random targets and puts the one with the lower time-to-first-byte average first (power of two
 * choices), the others after by that average. Targets with an open breaker are left out; targets cooling down
 * after a 429 go last, to be tried only when nothing else is left. Targets of weight 0 are never chosen.
 */
public final class Selector {
    /** Share of latency-aware choices that go to the slower of the two drawn targets. */
    static final double EXPLORE = 0.05;

    private Selector() {
    }

    public static List<Target> order(RouteTable.Route route, HealthRegistry registry, RandomGenerator random) {
        if (route.targets().size() == 1) { // most aliases of a catalogue: nothing to order
            Target t = route.targets().get(0);
            return t.weight() > 0 && !registry.of(t).breakerOpen() ? route.targets() : List.of();
        }
        TreeMap<Integer, List<Target>> tiers = new TreeMap<>();
        for (Target t : route.targets()) {
            if (t.weight() > 0) {
                tiers.computeIfAbsent(t.deployment().priority(), p -> new ArrayList<>()).add(t);
            }
        }
        List<Target> ordered = new ArrayList<>(route.targets().size());
        List<Target> last = new ArrayList<>(0);
        for (List<Target> tier : tiers.values()) {
            List<Target> usable = new ArrayList<>(tier.size());
            for (Target t : tier) {
                TargetHealth h = registry.of(t);
                if (h.breakerOpen()) {
                    continue;
                }
                if (h.coolingDown()) {
                    last.add(t);
                } else {
                    usable.add(t);
                }
            }
            ordered.addAll(route.policy().latencyAware() ? byLatency(usable, registry, random) : byWeight(usable, random));
        }
        ordered.addAll(last);
        return ordered;
    }

    /** Weighted random order, without replacement. */
    static List<Target> byWeight(List<Target> targets, RandomGenerator random) {
        if (targets.size() <= 1) {
            return targets;
        }
        List<Target> left = new ArrayList<>(targets);
        List<Target> out = new ArrayList<>(targets.size());
        while (!left.isEmpty()) {
            double total = 0;
            for (Target t : left) {
                total += t.weight();
            }
            double point = random.nextDouble() * total;
            int chosen = left.size() - 1;
            for (int i = 0; i < left.size(); i++) {
                point -= left.get(i).weight();
                if (point < 0) {
                    chosen = i;
                    break;
                }
            }
            out.add(left.remove(chosen));
        }
        return out;
    }

    /** Power of two choices over the latency average; unmeasured targets count as fastest, so they get measured. */
    static List<Target> byLatency(List<Target> targets, HealthRegistry registry, RandomGenerator random) {
        if (targets.size() <= 1) {
            return targets;
        }
        List<Target> drawn = byWeight(targets, random);
        Target a = drawn.get(0);
        Target b = drawn.get(1);
        Target faster = latency(b, registry) < latency(a, registry) ? b : a;
        // now and then the slower one goes first, so that a target that recovered gets measured again
        Target first = random.nextDouble() < EXPLORE ? (faster == a ? b : a) : faster;
        List<Target> rest = new ArrayList<>(targets);
        rest.remove(first);
        rest.sort(Comparator.comparingDouble(t -> latency(t, registry)));
        List<Target> out = new ArrayList<>(targets.size());
        out.add(first);
        out.addAll(rest);
        return out;
    }

    private static double latency(Target t, HealthRegistry registry) {
        double ms = registry.of(t).latencyMillis();
        return ms < 0 ? 0 : ms;
    }
}
