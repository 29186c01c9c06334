package io.nexusai.gateway.routing;

import io.smallrye.faulttolerance.api.CircuitBreakerState;

import java.util.Arrays;

/**
 * What this gateway knows about one target (a deployment, or one region of it), kept across route snapshots:
 * its circuit breaker ({@link #acquire()}, {@link #release}), a moving average of its time to first byte for
 * latency-aware selection, a cool-down after it answered 429, this replica's request count against the
 * deployment's per-minute rate limit, and counters for the provider health matrix (with what the gateway's
 * {@code HealthPublisher} needs to report only the targets that changed: {@link #changes()}, the deployment's
 * identity, and the publisher's own marks).
 */
public final class TargetHealth {
    /** Weight of the newest sample in the latency moving average. */
    private static final double ALPHA = 0.2;
    private static final int SAMPLES = 512;
    /** First size of the sample buffer: it grows (doubling) to {@link #SAMPLES} only as samples come. */
    private static final int FIRST_SAMPLES = 8;

    /** {@link #acquire()}'s answer when the breaker refuses the call. */
    public static final int REFUSED = -1;

    private final String key;
    private final BreakerSettings breaker;
    private final long sinceMillis = System.currentTimeMillis();
    private volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
    private volatile long openedAtNanos;
    /**
     * The closed breaker's rolling window of the last {@code requestVolume} outcomes, under the lock: where the next
     * goes, how many it holds (up to the volume), how many of them failed, and which (one bit each; allocated at the
     * first failure, so that a target that never failed keeps no more than these fields).
     */
    private int windowNext;
    private int windowFilled;
    private int windowFailures;
    private long[] windowBits;
    /** The half-open breaker's probes let through and probes that succeeded, under the lock. */
    private int probes;
    private int probeSuccesses;
    private volatile double ewmaMillis = -1;
    private volatile long coolDownUntilNanos;
    /**
     * Attempts counted, written under the lock (which each one takes anyway for its latency sample) and read without
     * it: two fields rather than two {@code LongAdder}s, one object and one cache line less per target and request.
     */
    private volatile long successes;
    private volatile long failures;
    /**
     * The last {@link #SAMPLES} times to first byte (a ring once full). Allocated as they come: a catalogue of
     * 100,000 aliases, each used now and then, would otherwise hold 4 KB per target (400 MB) for a few samples each.
     */
    private long[] samples = new long[FIRST_SAMPLES];
    private int sampleCount;
    private int sampleNext;
    private long windowStartMillis;
    private int windowCount;
    private int previousWindowCount;
    private final long deploymentId;
    private final String region;
    private volatile String provider;
    private final String label;
    /** Where this target's breaker state is counted per provider label (the bounded gauges), or {@code null}. */
    private final BreakerCounts counts;
    /**
     * Breaker state changes so far (one more at each, under the lock), which is also the breaker's generation: a permit
     * is the count it was given at, and an outcome of an earlier generation no longer counts (as in MicroProfile Fault
     * Tolerance, where an attempt's result goes to the state it started in).
     */
    private volatile int stateChanges;
    /** The publisher's: {@link #changes()} when last published (-1: never). Only its thread reads and writes it. */
    private long published = -1;
    /** The publisher's: {@link #stateChanges()} when last published. */
    private int publishedStateChanges;
    /** The publisher's: {@link #failures()} when last published. */
    private long publishedFailures;
    /** The publisher's: when last published (epoch ms), -1 when never. */
    private long publishedAtMs = -1;
    /** The publisher's: reported removed (no longer in the route table) and not changed since. */
    private boolean retired;
    /** The publisher's: when a sweep first found this target out of the route table (epoch ms), -1 while in it. */
    private long absentSinceMs = -1;
    /**
     * Dropped from its registry ({@link HealthRegistry#evict}): its breaker state no longer counts per provider, and a
     * target's memo of it is no longer used.
     */
    private volatile boolean evicted;

    TargetHealth(String key, BreakerSettings settings) {
        this(key, 0, null, null, null, settings, null);
    }

    TargetHealth(String key, long deploymentId, String provider, String region, String label, BreakerSettings settings,
                 BreakerCounts counts) {
        this.key = key;
        this.deploymentId = deploymentId;
        this.provider = provider;
        this.region = region;
        this.label = label;
        this.counts = counts;
        if (counts != null) {
            counts.add(CircuitBreakerState.CLOSED);
        }
        this.breaker = settings;
    }

    /**
     * Circuit-breaker settings shared by all targets: the breaker opens when at least {@code failureRatio} of the last
     * {@code requestVolume} attempts failed (the window full), lets {@code successThreshold} probes through after
     * {@code delay}, and closes when they all succeed.
     */
    public record BreakerSettings(int requestVolume, double failureRatio, java.time.Duration delay, int successThreshold) {
        public BreakerSettings {
            if (requestVolume < 1 || successThreshold < 1 || !(failureRatio >= 0 && failureRatio <= 1) || delay.isNegative()) {
                throw new IllegalArgumentException("nexus.gateway.resilience.breaker-* out of range: request volume " + requestVolume
                        + " and success threshold " + successThreshold + " must be at least 1, failure ratio " + failureRatio
                        + " between 0 and 1, delay " + delay + " not negative");
            }
        }

        /** Failures in a full window that open the breaker (as MicroProfile Fault Tolerance rounds it: up). */
        int failureThreshold() {
            return (int) Math.ceil(failureRatio * requestVolume);
        }
    }

    public String key() {
        return key;
    }

    /** When this gateway began counting for the target (epoch ms): its counters start at 0 then. */
    public long sinceMillis() {
        return sinceMillis;
    }

    /**
     * Asks the breaker for one attempt now: a permit for {@link #release}, or {@link #REFUSED} when the breaker is open
     * and its delay not over, or half-open with its {@code successThreshold} probes already let through. The first
     * call after an open breaker's delay makes it half-open and is its first probe. Closed (the hot path), it reads
     * two fields and takes no lock.
     */
    public int acquire() {
        int g = stateChanges;
        if (state == CircuitBreakerState.CLOSED) {
            return g;
        }
        synchronized (this) {
            if (state == CircuitBreakerState.OPEN) {
                if (System.nanoTime() - openedAtNanos < breaker.delay().toNanos()) {
                    return REFUSED;
                }
                moveTo(CircuitBreakerState.HALF_OPEN);
            }
            if (state == CircuitBreakerState.HALF_OPEN) {
                if (probes >= breaker.successThreshold()) {
                    return REFUSED;
                }
                probes++;
            }
            return stateChanges;
        }
    }

    /**
     * Ends a permitted attempt: its outcome counts in the breaker, unless the breaker changed state since the permit
     * was given. Closed, the outcome enters the rolling window, and a full window with at least the failure ratio of
     * failures opens the breaker; half-open, a failure opens it again and the {@code successThreshold}-th success
     * closes it (with an empty window).
     */
    public synchronized void release(int permit, boolean failed) {
        if (permit != stateChanges) {
            return;
        }
        if (state == CircuitBreakerState.HALF_OPEN) {
            if (failed) {
                moveTo(CircuitBreakerState.OPEN);
            } else if (++probeSuccesses >= breaker.successThreshold()) {
                moveTo(CircuitBreakerState.CLOSED);
            }
            return;
        }
        if (state != CircuitBreakerState.CLOSED) {
            return;
        }
        int slot = windowNext;
        windowNext = slot + 1 == breaker.requestVolume() ? 0 : slot + 1;
        if (windowFilled < breaker.requestVolume()) {
            windowFilled++;
        }
        if (failed) {
            if (windowBits == null) {
                windowBits = new long[(breaker.requestVolume() + 63) >>> 6];
            }
            if ((windowBits[slot >>> 6] & 1L << slot) == 0) {
                windowBits[slot >>> 6] |= 1L << slot;
                windowFailures++;
            }
        } else if (windowFailures > 0 && (windowBits[slot >>> 6] & 1L << slot) != 0) {
            windowBits[slot >>> 6] &= ~(1L << slot);
            windowFailures--;
        }
        if (windowFilled == breaker.requestVolume() && windowFailures >= breaker.failureThreshold()) {
            moveTo(CircuitBreakerState.OPEN);
        }
    }

    /**
     * A state change, under the lock (which {@link #evict()} takes too: a state is counted per provider exactly while
     * the target is held): a new generation, the state's own counts reset.
     */
    private void moveTo(CircuitBreakerState s) {
        probes = 0;
        probeSuccesses = 0;
        if (s == CircuitBreakerState.CLOSED) {
            windowNext = 0;
            windowFilled = 0;
            windowFailures = 0;
            windowBits = null;
        }
        if (s == CircuitBreakerState.OPEN) {
            openedAtNanos = System.nanoTime();
        }
        CircuitBreakerState before = state;
        state = s;
        if (counts != null && before != s && !evicted) {
            counts.move(before, s);
        }
        stateChanges = stateChanges + 1;
    }

    /** Leaves the per-provider breaker counts (once); its registry no longer holds it. */
    synchronized void evict() {
        if (!evicted) {
            evicted = true;
            if (counts != null) {
                counts.remove(state);
            }
        }
    }

    /** Whether its registry dropped it. */
    boolean evicted() {
        return evicted;
    }

    /** Route id of the deployment (0 when unknown). */
    public long deploymentId() {
        return deploymentId;
    }

    /** Provider name as the latest route snapshot that selected the target named it. */
    public String provider() {
        return provider;
    }

    /** Renamed providers are reported under their new name: kept current by {@code HealthRegistry.of}. */
    void provider(String name) {
        if (name != null && !name.equals(provider)) {
            provider = name;
        }
    }

    /** The deployment's region when the target is a regional share, else {@code null}. */
    public String region() {
        return region;
    }

    /** The {@code provider} label of this target's metrics (provider name, and {@code /region}). */
    public String label() {
        return label;
    }

    /**
     * Grows with every attempt counted and every breaker state change: a report of this target changed when this did
     * (its counters, its breaker, or the latency samples its percentiles come from).
     */
    public long changes() {
        return successes + failures + stateChanges;
    }

    /** The publisher's mark: {@link #changes()} when this target was last published, -1 when never. */
    public long published() {
        return published;
    }

    /**
     * The publisher's marks of a publish: {@link #changes()}, {@link #stateChanges()} and {@link #failures()} then, and
     * when (epoch ms).
     */
    public void published(long changes, int stateChanges, long failures, long atMs) {
        this.published = changes;
        this.publishedStateChanges = stateChanges;
        this.publishedFailures = failures;
        this.publishedAtMs = atMs;
    }

    /** The publisher's mark: {@link #failures()} when this target was last published (0 when never). */
    public long publishedFailures() {
        return publishedFailures;
    }

    /** Breaker state changes so far. */
    public int stateChanges() {
        return stateChanges;
    }

    /** The publisher's mark: {@link #stateChanges()} when this target was last published (0 when never). */
    public int publishedStateChanges() {
        return publishedStateChanges;
    }

    /** The publisher's mark: when this target was last published (epoch ms), -1 when never. */
    public long publishedAtMs() {
        return publishedAtMs;
    }

    /** The publisher's mark: reported removed from the route table, and not changed since. */
    public boolean retired() {
        return retired;
    }

    public void retired(boolean retired) {
        this.retired = retired;
    }

    /** The publisher's mark: since when a sweep has found this target out of the route table (epoch ms), -1 if in it. */
    public long absentSinceMs() {
        return absentSinceMs;
    }

    public void absentSinceMs(long at) {
        this.absentSinceMs = at;
    }

    /** The breaker's state as it last changed (an open breaker stays OPEN until the next call after its delay). */
    public CircuitBreakerState breakerState() {
        return state;
    }

    /**
     * Whether the breaker refuses calls now: open, and its delay not yet over. Once the delay is over the target is
     * offered again; the breaker itself then lets a probe through (half-open) and closes or reopens on its outcome.
     */
    public boolean breakerOpen() {
        return state == CircuitBreakerState.OPEN && System.nanoTime() - openedAtNanos < breaker.delay().toNanos();
    }

    /** Notes a successful attempt and its time to first byte. */
    public void succeeded(long nanos) {
        sample(nanos, false);
    }

    /** Notes a failed attempt (and how long it took, which counts against its latency too). */
    public void failed(long nanos) {
        sample(nanos, true);
    }

    private void sample(long nanos, boolean failed) {
        double ms = nanos / 1e6;
        double current = ewmaMillis;
        ewmaMillis = current < 0 ? ms : current + ALPHA * (ms - current);
        synchronized (this) {
            if (failed) {
                failures = failures + 1;
            } else {
                successes = successes + 1;
            }
            if (sampleCount < SAMPLES) {
                if (sampleCount == samples.length) {
                    samples = Arrays.copyOf(samples, Math.min(SAMPLES, samples.length * 2));
                }
                samples[sampleCount++] = nanos;
                sampleNext = sampleCount % SAMPLES;
            } else {
                samples[sampleNext] = nanos;
                sampleNext = (sampleNext + 1) % SAMPLES;
            }
        }
    }

    /** Moving average of the time to first byte, in ms; negative before the first sample. */
    public double latencyMillis() {
        return ewmaMillis;
    }

    /** Latency percentiles (ms) over the last samples: p50, p95, p99; empty array before any sample. */
    public double[] percentiles() {
        long[] copy;
        synchronized (this) {
            copy = Arrays.copyOf(samples, sampleCount);
        }
        if (copy.length == 0) {
            return new double[0];
        }
        Arrays.sort(copy);
        return new double[]{at(copy, 50), at(copy, 95), at(copy, 99)};
    }

    private static double at(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)] / 1e6;
    }

    public long successes() {
        return successes;
    }

    public long failures() {
        return failures;
    }

    /** The provider answered 429: leave it alone for {@code seconds}. */
    public void coolDown(long seconds) {
        coolDownUntilNanos = System.nanoTime() + Math.max(1, seconds) * 1_000_000_000L;
    }

    public boolean coolingDown() {
        return System.nanoTime() < coolDownUntilNanos;
    }

    /**
     * Counts a request against the deployment's requests-per-minute limit on this replica (a sliding minute
     * estimated from this and the previous fixed minute); {@code false} when the limit is reached. 0 = no limit.
     */
    public synchronized boolean tryAcquire(int perMinute, double share) {
        if (perMinute <= 0) {
            return true;
        }
        long now = System.currentTimeMillis();
        long minute = now / 60_000;
        long windowMinute = windowStartMillis / 60_000;
        if (minute != windowMinute) {
            previousWindowCount = minute == windowMinute + 1 ? windowCount : 0;
            windowCount = 0;
            windowStartMillis = minute * 60_000;
        }
        double elapsed = (now - windowStartMillis) / 60_000.0;
        double estimate = previousWindowCount * (1 - elapsed) + windowCount;
        if (estimate + 1 > Math.max(1, perMinute * share)) {
            return false;
        }
        windowCount++;
        return true;
    }
}
