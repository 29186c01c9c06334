package io.nexusai.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests alive in this replica: a {@link ProxyContext} counts from its creation until it is released,
 * however the request ended (complete, client gone, upstream failure, timeout). Bounds them: beyond
 * {@code nexus.gateway.max-in-flight} a request is refused at once with 503 {@code server_overloaded}, so that a
 * replica under more load than it can hold sheds it instead of filling its heap and dying with every client.
 *
 * <p>Exported as {@code nexus_requests_in_flight} (a leak shows as a gauge that does not return to 0 when the
 * traffic stops) and {@code nexus_overload_rejections_total}.
 */
@Singleton
public class InFlight {
    private static final Logger LOG = Logger.getLogger(InFlight.class);
    /**
     * Heap set aside per request alive when the bound is derived from the heap: twice the 15–17 KiB of live heap a
     * held, idle stream was measured to take (docs/benchmarks.md: 1,000 held streams); bodies are bounded apart, by
     * bytes. The rest of the heap is headroom for the route table, the key cache, the tokenizer and garbage.
     */
    static final long HEAP_PER_REQUEST = 32 * 1024;

    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final int limit;
    private final long bodyBytesLimit;
    private final Counter rejected;

    @Inject
    public InFlight(GatewayConfig config, MeterRegistry registry) {
        this(config.maxInFlight().orElse(0), config.maxBodyBytesInFlight().map(m -> m.asLongValue())
                .orElse(defaultBodyBytesLimit(Runtime.getRuntime().maxMemory(), config.maxBodySize().asLongValue())), registry);
    }

    /** @param limit the bound, or 0 or less for the default derived from the heap */
    public InFlight(int limit, MeterRegistry registry) {
        this(limit, 0, registry);
    }

    /**
     * @param limit          the bound of requests, or 0 or less for the default derived from the heap
     * @param bodyBytesLimit the bound of body bytes, or 0 or less for the default derived from the heap
     */
    public InFlight(int limit, long bodyBytesLimit, MeterRegistry registry) {
        this.limit = limit > 0 ? limit : defaultLimit(Runtime.getRuntime().maxMemory());
        this.bodyBytesLimit = bodyBytesLimit > 0 ? bodyBytesLimit : Runtime.getRuntime().maxMemory() / 16;
        Gauge.builder("nexus.requests.in.flight", alive, AtomicInteger::get)
                .description("Requests alive in this replica, from their first byte in to their release").register(registry);
        this.rejected = Counter.builder("nexus.overload.rejections")
                .description("Requests refused with 503 server_overloaded at the in-flight bound or the request-body byte budget")
                .register(registry);
        LOG.infof("at most %d requests and %d MiB of request bodies in flight (nexus.gateway.max-in-flight, "
                + "nexus.gateway.max-body-bytes-in-flight)", this.limit, this.bodyBytesLimit >> 20);
    }

    /** A sixteenth of the heap, and at least room for one body of the largest size accepted. */
    static long defaultBodyBytesLimit(long maxHeapBytes, long maxBodySize) {
        return Math.max(maxHeapBytes / 16, maxBodySize);
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

    /**
     * Takes room for {@code n} more bytes of request body; {@code false} (and counted as a refusal) when they do not
     * fit. A body alone larger than the whole budget never fits.
     */
    public boolean tryTakeBodyBytes(long n) {
        long now = bodyBytes.addAndGet(n);
        if (now > bodyBytesLimit) {
            bodyBytes.addAndGet(-n);
            rejected.increment();
            return false;
        }
        return true;
    }

    /** Gives back room taken by {@link #tryTakeBodyBytes}. */
    public void giveBodyBytes(long n) {
        if (n != 0) {
            bodyBytes.addAndGet(-n);
        }
    }

    /** Bytes of request bodies held now. */
    public long bodyBytes() {
        return bodyBytes.get();
    }

    public long bodyBytesLimit() {
        return bodyBytesLimit;
    }

    public int alive() {
        return alive.get();
    }

    public int limit() {
        return limit;
    }
}
