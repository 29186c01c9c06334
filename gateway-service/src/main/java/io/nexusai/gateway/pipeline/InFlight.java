package io.nexusai.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests alive in this replica: a {@link ProxyContext} counts from its creation until it is released,
 * however the request ended (complete, client gone, upstream failure, timeout). Bounds them: beyond
 * {@code nexus.gateway.max-in-flight} a request is refused at once with 503 {@code server_overloaded}, so that a
 * replica under more load than it can hold sheds it instead of filling its heap and dying with every client.
 *
 * <p>Exported as {@code nexus_requests_in_flight} (a leak shows as a gauge that does not return to 0 when the
 * traffic stops) and {@code nexus_overload_rejections_total}.
 */
@ApplicationScoped
public class InFlight {
    private static final Logger LOG = Logger.getLogger(InFlight.class);
    /**
     * Heap set aside per request alive when the bound is derived from the heap: a request holds its parsed body,
     * the upstream request and connection state, and for a stream its translator and meter. An estimate, not yet
     * measured; bodies near {@code max-body-size} are not covered by it (the bound counts requests, not bytes).
     * The rest of the heap is headroom for the route table, the key cache and garbage.
     */
    static final long HEAP_PER_REQUEST = 128 * 1024;

    private final AtomicInteger alive = new AtomicInteger();
    private final int limit;
    private final Counter rejected;

    @Inject
    public InFlight(GatewayConfig config, MeterRegistry registry) {
        this(config.maxInFlight().orElse(0), registry);
    }

    /** @param limit the bound, or 0 or less for the default derived from the heap */
    public InFlight(int limit, MeterRegistry registry) {
        this.limit = limit > 0 ? limit : defaultLimit(Runtime.getRuntime().maxMemory());
        Gauge.builder("nexus.requests.in.flight", alive, AtomicInteger::get)
                .description("Requests alive in this replica, from their first byte in to their release").register(registry);
        this.rejected = Counter.builder("nexus.overload.rejections")
                .description("Requests refused with 503 server_overloaded because the replica was at its in-flight bound")
                .register(registry);
        LOG.infof("at most %d requests in flight (nexus.gateway.max-in-flight)", this.limit);
    }

    /** A quarter of the heap at {@link #HEAP_PER_REQUEST} each, at least 64. */
    static int defaultLimit(long maxHeapBytes) {
        return (int) Math.max(64, Math.min(Integer.MAX_VALUE, maxHeapBytes / 4 / HEAP_PER_REQUEST));
    }

    /** Takes a place for a new request; {@code false} (and counted) when the replica is at its bound. */
    public boolean tryEnter() {
        int now = alive.incrementAndGet();
        if (now > limit) {
            alive.decrementAndGet();
            rejected.increment();
            return false;
        }
        return true;
    }

    /** Gives the place back: once per request that entered. */
    public void exit() {
        alive.decrementAndGet();
    }

    public int alive() {
        return alive.get();
    }

    public int limit() {
        return limit;
    }
}
