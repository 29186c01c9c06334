package io.nexusai.gateway.pipeline;

import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

import java.util.ArrayList;
import java.util.List;

/**
 * The alias route and its targets in the order to try them (attachment of the select stage); {@link #target()}
 * is the one that finally served (or last failed) the request, set by the upstream stage.
 */
public final class Selection {
    private final RouteTable.Route route;
    private List<Target> candidates;
    private Target admitted;
    private Target target;
    private int attempts;

    public Selection(RouteTable.Route route, List<Target> candidates) {
        this.route = route;
        this.candidates = candidates;
    }

    public RouteTable.Route route() {
        return route;
    }

    public List<Target> candidates() {
        return candidates;
    }

    /** The target of the latest attempt, or {@code null} before the first. */
    public Target target() {
        return target;
    }

    /** Attempts made so far. */
    public int attempts() {
        return attempts;
    }

    /**
     * The shared rate limiter admitted the request to the candidate at {@code index}: it becomes the first one to
     * try (its per-minute slot is already counted), the others keep their order behind it.
     */
    public void admitTo(int index) {
        if (index > 0) {
            List<Target> reordered = new ArrayList<>(candidates.size());
            reordered.add(candidates.get(index));
            for (int i = 0; i < candidates.size(); i++) {
                if (i != index) {
                    reordered.add(candidates.get(i));
                }
            }
            candidates = reordered;
        }
        admitted = candidates.get(0);
    }

    /** The candidate whose rate limit the shared limiter already counted this request against, or {@code null}. */
    public Target admitted() {
        return admitted;
    }

    /** For the upstream stage: the next attempt goes to {@code t}. */
    public void nextAttempt(Target t) {
        target = t;
        attempts++;
    }
}
