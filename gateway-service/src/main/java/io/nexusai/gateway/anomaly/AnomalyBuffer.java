package io.nexusai.gateway.anomaly;

import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Anomalies waiting to be written to Redis, aggregated per (type, tenant, key id, client address): however many
 * bad requests arrive, one flush writes at most {@code maxGroups} entries. Anomalies of further callers until the
 * next flush are only counted ({@link #takeOverflow()}); the metric counts them all anyway.
 */
final class AnomalyBuffer {
    private record Group(AnomalyType type, String tenantId, String keyId, String client) {
    }

    private static final class Aggregate {
        final long firstMs;
        final String requestId;
        final int status;
        final String detail;
        final AtomicLong count = new AtomicLong();
        volatile long lastMs;

        Aggregate(long firstMs, String requestId, int status, String detail) {
            this.firstMs = firstMs;
            this.lastMs = firstMs;
            this.requestId = requestId;
            this.status = status;
            this.detail = detail;
        }
    }

    private final int maxGroups;
    private volatile ConcurrentHashMap<Group, Aggregate> pending = new ConcurrentHashMap<>();
    private final AtomicLong overflow = new AtomicLong();

    AnomalyBuffer(int maxGroups) {
        if (maxGroups < 1) {
            throw new IllegalArgumentException("max-entries-per-flush must be at least 1");
        }
        this.maxGroups = maxGroups;
    }

    void add(AnomalyType type, String tenantId, String keyId, String client, String requestId, int status, String detail, long nowMs) {
        ConcurrentHashMap<Group, Aggregate> map = pending;
        Group group = new Group(type, tenantId, keyId, client);
        Aggregate a = map.get(group);
        if (a == null) {
            if (map.size() >= maxGroups) {
                overflow.incrementAndGet();
                return;
            }
            a = map.computeIfAbsent(group, g -> new Aggregate(nowMs, requestId, status, detail));
        }
        a.count.incrementAndGet();
        if (nowMs > a.lastMs) {
            a.lastMs = nowMs;
        }
    }

    /** Everything aggregated since the last drain, oldest first; starts a new period. */
    List<AnomalyEntry> drain() {
        ConcurrentHashMap<Group, Aggregate> map = pending;
        if (map.isEmpty()) {
            return List.of();
        }
        pending = new ConcurrentHashMap<>();
        List<AnomalyEntry> entries = new ArrayList<>(map.size());
        map.forEach((g, a) -> entries.add(new AnomalyEntry(a.firstMs, a.lastMs, g.type(), g.tenantId(), g.keyId(), a.requestId, g.client(),
                a.status, a.detail, a.count.get())));
        entries.sort(java.util.Comparator.comparingLong(AnomalyEntry::firstMs));
        return entries;
    }

    /** Anomalies left out since the last call because the buffer was full. */
    long takeOverflow() {
        return overflow.getAndSet(0);
    }
}
