package io.nexusai.gateway.pipeline;

import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

import java.util.List;

/**
 * The alias route and its targets in the order to try them (attachment of the select stage); {@link #target()}
 * is the one that finally served (or last failed) the request, set by the upstream stage.
 */
public final class Selection {
    private final RouteTable.Route route;
    private final List<Target> candidates;
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


    /** For the upstream stage: the next attempt goes to {@code t}. */
    public void nextAttempt(Target t) {
        target = t;
        attempts++;
    }
}
