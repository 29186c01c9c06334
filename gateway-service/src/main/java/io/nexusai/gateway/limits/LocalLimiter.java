package io.nexusai.gateway.limits;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits one replica enforces on its own while Redis is unreachable: the same sliding windows, each limit
 * scaled by the replica's share, and quotas from the counters Redis last showed plus what this replica admitted
 * since, within its share of what was left. Deployment rate limits stay with the upstream stage's per-replica
 * counters. Whatever is admitted here is settled in Redis later, from the usage spool.
 */
final class LocalLimiter {
    private static final long WINDOW_MS = 60_000;

    private static final class Window {
        final ArrayDeque<long[]> entries = new ArrayDeque<>();
        long tokens;

        void purge(long now) {
            while (!entries.isEmpty() && entries.peekFirst()[0] <= now - WINDOW_MS) {
                tokens -= entries.pollFirst()[1];
            }
        }

        /** At most the window: an entry may be stamped later than a request decided after it (another event loop's). */
        long resetMs(long now) {
            return entries.isEmpty() ? 0 : Math.min(WINDOW_MS, Math.max(0, entries.peekFirst()[0] + WINDOW_MS - now));
        }
    }

    private final Map<String, Window> windows = new HashMap<>();
    /** Quota key → {tokens, cost} used and reserved, as the last admission in Redis returned them. */
    private final Map<String, long[]> lastKnown = new ConcurrentHashMap<>();
    /** Quota key → {tokens, cost} admitted here since Redis went away. */
    private final Map<String, long[]> sinceOutage = new HashMap<>();

    /** Notes the quota counters Redis showed after admitting a request (totals including that request). */
    void remember(String quotaKey, long tokens, long cost) {
        lastKnown.put(quotaKey, new long[]{tokens, cost});
    }

    /** Redis answers again: its counters are the truth once more (this replica's admissions reach it by the spool). */
    synchronized void redisBack() {
        sinceOutage.clear();
        windows.clear();
    }

    synchronized Decision admit(Charge c, double share, long now) {
        long t = c.tokens();
        long cost = c.costNanos();
        for (int i = 0; i < c.windows().size(); i++) {
            Charge.Window w = c.windows().get(i);
            Window win = windows.computeIfAbsent(w.zset(), k -> new Window());
            win.purge(now);
            long rpm = scaled(w.rpm(), share);
            long tpm = scaled(w.tpm(), share);
            if (rpm >= 0 && win.entries.size() + 1 > rpm) {
                return new Decision(Decision.REQUESTS, i, rpm == 0 ? -1 : Math.max(1, win.resetMs(now)), rpm, 0, win.resetMs(now), -1, -1, 0,
                        true);
            }
            if (tpm >= 0 && win.tokens + t > tpm) {
                return new Decision(Decision.TOKENS, i, t > tpm ? -1 : Math.max(1, win.resetMs(now)), -1, -1, 0, tpm,
                        Math.max(0, tpm - win.tokens), win.resetMs(now), true);
            }
        }
        for (int q = 0; q < c.quotas().size(); q++) {
            Charge.Quota quota = c.quotas().get(q);
            long[] known = lastKnown.getOrDefault(quota.key(), new long[2]);
            long[] here = sinceOutage.getOrDefault(quota.key(), new long[2]);
            if (quota.tokenLimit() >= 0 && here[0] + t > Math.floor(Math.max(0, quota.tokenLimit() - known[0]) * share)) {
                return new Decision(Decision.TOKEN_QUOTA, q, -1, -1, -1, 0, -1, -1, 0, true);
            }
            if (quota.costLimitNanos() >= 0 && here[1] + cost > Math.floor(Math.max(0, quota.costLimitNanos() - known[1]) * share)) {
                return new Decision(Decision.COST_BUDGET, q, -1, -1, -1, 0, -1, -1, 0, true);
            }
        }
        long reqLimit = -1;
        long reqRemaining = -1;
        long reqReset = 0;
        long tokLimit = -1;
        long tokRemaining = -1;
        long tokReset = 0;
        for (Charge.Window w : c.windows()) {
            Window win = windows.get(w.zset());
            win.entries.addLast(new long[]{now, t});
            win.tokens += t;
            long rpm = scaled(w.rpm(), share);
            long tpm = scaled(w.tpm(), share);
            if (rpm >= 0 && (reqLimit < 0 || rpm - win.entries.size() < reqRemaining)) {
                reqLimit = rpm;
                reqRemaining = rpm - win.entries.size();
                reqReset = win.resetMs(now);
            }
            if (tpm >= 0 && (tokLimit < 0 || tpm - win.tokens < tokRemaining)) {
                tokLimit = tpm;
                tokRemaining = tpm - win.tokens;
                tokReset = win.resetMs(now);
            }
        }
        for (Charge.Quota quota : c.quotas()) {
            long[] here = sinceOutage.computeIfAbsent(quota.key(), k -> new long[2]);
            here[0] += t;
            here[1] += cost;
        }
        return new Decision(Decision.ADMITTED, -1, 0, reqLimit, reqRemaining, reqReset, tokLimit, tokRemaining, tokReset, true);
    }

    private static long scaled(long limit, double share) {
        return limit < 0 ? -1 : (long) Math.floor(limit * share);
    }
}
