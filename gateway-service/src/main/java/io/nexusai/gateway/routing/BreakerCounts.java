package io.nexusai.gateway.routing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * How many targets of one provider label are in each breaker state on this gateway: the bounded
 * {@code nexus_circuit_breakers{provider,state}} gauges (three per provider label, however many deployments), which
 * show trouble also for the deployments past {@code nexus.metrics.max-deployments}.
 */
final class BreakerCounts {
    private static final CircuitBreakerState[] STATES = {CircuitBreakerState.CLOSED, CircuitBreakerState.HALF_OPEN,
            CircuitBreakerState.OPEN};
    private final AtomicIntegerArray counts = new AtomicIntegerArray(STATES.length);

    BreakerCounts(String label, MeterRegistry meters) {
        for (int i = 0; i < STATES.length; i++) {
            int index = i;
            Gauge.builder("nexus.circuit.breakers", counts, c -> c.get(index))
                    .description("Deployments (targets) this gateway has routed to, by circuit breaker state")
                    .tag("provider", label).tag("state", STATES[i].name().toLowerCase(java.util.Locale.ROOT))
                    .register(meters);
        }
    }

    void add(CircuitBreakerState state) {
        counts.incrementAndGet(index(state));
    }

    void remove(CircuitBreakerState state) {
        counts.decrementAndGet(index(state));
    }

    void move(CircuitBreakerState from, CircuitBreakerState to) {
        counts.decrementAndGet(index(from));
        counts.incrementAndGet(index(to));
    }

    int count(CircuitBreakerState state) {
        return counts.get(index(state));
    }

    private static int index(CircuitBreakerState s) {
        return s == CircuitBreakerState.OPEN ? 2 : s == CircuitBreakerState.HALF_OPEN ? 1 : 0;
    }
}
