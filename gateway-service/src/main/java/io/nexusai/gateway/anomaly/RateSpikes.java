package io.nexusai.gateway.anomaly;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Per-key request rates against each key's own moving baseline. A request costs one map look-up and one atomic
 * increment, compared with a threshold computed when the previous interval ended; the interval ends by a call to
 * {@link #roll()} (a timer in the gateway, the test itself in tests), never by a clock read per request.
 *
 * <p>At each roll a key's count of the interval just ended updates its baseline, an exponentially weighted moving
 * average ({@code baseline = alpha × count + (1 − alpha) × baseline}, the first interval seeding it), and its next
 * threshold becomes the smallest count that is both above {@code factor} × baseline and at least {@code floor}. A
 * key reaching its threshold is reported once, by the request that reaches it. Keys are tracked after
 * {@code warmupIntervals} rolls only (a baseline needs some history). Memory is bounded: at most {@code maxKeys}
 * keys are tracked (later keys are ignored until room is made), and a key idle for {@code idleIntervals} rolls is
 * forgotten.
 */
public final class RateSpikes {
    /** A key that passed its threshold: the count reached and the baseline it was compared with. */
    public record Spike(String tenantId, String keyId, long count, double baseline) {
    }

    private static final class KeyRate {
        /**
         * The interval's count, a field of its own object updated atomically rather than an {@link AtomicLong}: with a
         * million keys in use, a request's key is cold in the CPU's caches, and a separate counter object was one more
         * cache miss per request.
         */
        static final AtomicLongFieldUpdater<KeyRate> COUNT = AtomicLongFieldUpdater.newUpdater(KeyRate.class, "count");

        final String tenantId;
        volatile long count;
        /** The count that makes a spike in the current interval. */
        volatile long threshold = Long.MAX_VALUE;
        volatile double baseline;
        // only touched by roll()
        int intervals;
        int idle;

        KeyRate(String tenantId) {
            this.tenantId = tenantId;
        }
    }

    private final double factor;
    private final long floor;
    private final double alpha;
    private final int warmupIntervals;
    private final int maxKeys;
    private final int idleIntervals;
    private final ConcurrentHashMap<String, KeyRate> keys = new ConcurrentHashMap<>();
    private final AtomicLong untracked = new AtomicLong();

    public RateSpikes(double factor, long floor, double alpha, int warmupIntervals, int maxKeys, int idleIntervals) {
        if (!(factor >= 1) || floor < 1 || !(alpha > 0 && alpha <= 1) || warmupIntervals < 1 || maxKeys < 1 || idleIntervals < 1) {
            throw new IllegalArgumentException("rate-spike settings out of range: factor >= 1, floor >= 1, 0 < alpha <= 1, "
                    + "warmup-intervals >= 1, max-keys >= 1, idle-intervals >= 1");
        }
        this.factor = factor;
        this.floor = floor;
        this.alpha = alpha;
        this.warmupIntervals = warmupIntervals;
        this.maxKeys = maxKeys;
        this.idleIntervals = idleIntervals;
    }

    /** Counts one request of a key; returns the spike when this request is the one that reaches the key's threshold. */
    public Spike hit(String tenantId, String keyId) {
        KeyRate rate = keys.get(keyId);
        if (rate == null) {
            if (keys.size() >= maxKeys) {
                untracked.incrementAndGet();
                return null;
            }
            rate = keys.computeIfAbsent(keyId, k -> new KeyRate(tenantId));
        }
        long n = KeyRate.COUNT.incrementAndGet(rate);
        return n == rate.threshold ? new Spike(rate.tenantId, keyId, n, rate.baseline) : null;
    }

    /** Ends the current interval: updates every key's baseline and threshold, forgets idle keys. One caller at a time. */
    public synchronized void roll() {
        for (Iterator<Map.Entry<String, KeyRate>> it = keys.entrySet().iterator(); it.hasNext(); ) {
            KeyRate rate = it.next().getValue();
            long count = KeyRate.COUNT.getAndSet(rate, 0);
            if (count == 0) {
                if (++rate.idle >= idleIntervals) {
                    it.remove();
                    continue;
                }
            } else {
                rate.idle = 0;
            }
            double baseline = rate.intervals == 0 ? count : alpha * count + (1 - alpha) * rate.baseline;
            rate.baseline = baseline;
            rate.intervals++;
            rate.threshold = rate.intervals >= warmupIntervals ? Math.max(floor, (long) Math.floor(factor * baseline) + 1) : Long.MAX_VALUE;
        }
    }

    /** Keys tracked now. */
    public int trackedKeys() {
        return keys.size();
    }

    /** Requests of keys that could not be tracked (the map was full) since the start. */
    public long untrackedRequests() {
        return untracked.get();
    }

    /** The key's current baseline, or {@code NaN} when the key is not tracked (for tests and diagnostics). */
    public double baseline(String keyId) {
        KeyRate rate = keys.get(keyId);
        return rate == null ? Double.NaN : rate.baseline;
    }
}
