package io.nexusai.gateway.limits;

import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.RedisNames;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * What one request claims from the limits: the per-minute windows of its key and tenant, the quota counters it
 * is charged to (key and tenant, per UTC day and month, and its session — kept only when one of them has a
 * quota or budget), the rate limits of the deployments it may go to, and the tokens and cost it reserves (its
 * worst case) until it is settled with its real usage.
 */
public final class Charge {
    /** A sliding one-minute window (requests and tokens per minute); a limit of -1 is none. */
    public record Window(String scope, String id, String zset, String sum, long rpm, long tpm) {
    }

    /** A quota counter with its token and cost (nano-units) limits (-1 = none) and how long it is kept. */
    public record Quota(String scope, String period, String id, String key, long tokenLimit, long costLimitNanos, long ttlSeconds,
                        long resetsAtEpochSecond) {
        public boolean limited() {
            return tokenLimit >= 0 || costLimitNanos >= 0;
        }

        /** How the limit is called in an error message, e.g. "daily token quota of the key". */
        public String describe(boolean cost) {
            String what = cost ? "cost budget" : "token quota";
            return switch (period) {
                case "day" -> "daily " + what + " of the " + scope;
                case "month" -> "monthly " + what + " of the " + scope;
                default -> what + " of the " + scope;
            };
        }
    }

    /** A deployment the request may be sent to, with its requests per minute (0 = no limit). */
    public record Candidate(String zset, int rpm) {
    }

    private final String requestId;
    private final List<Window> windows;
    private final List<Quota> quotas;
    private final List<Candidate> candidates;
    private final String reservations;
    private final String reservationExpiries;
    private final String deploymentReservations;
    private final String deploymentReservationExpiries;
    private long tokens;
    private long costNanos;
    private long reservationExpiresAtMs;

    private Charge(String requestId, String tenant, List<Window> windows, List<Quota> quotas, List<Candidate> candidates,
                   RedisNames names) {
        this.requestId = requestId;
        this.windows = windows;
        this.quotas = quotas;
        this.candidates = candidates;
        this.reservations = names.reservations(tenant);
        this.reservationExpiries = names.reservationExpiries(tenant);
        this.deploymentReservations = names.reservations();
        this.deploymentReservationExpiries = names.reservationExpiries();
    }

    /**
     * The charge of a request by {@code principal} arriving at {@code startMillis}, which may go to deployments
     * with the given requests-per-minute limits (route ids and limits, in order of preference).
     */
    public static Charge of(RedisNames names, String requestId, Principal principal, long startMillis, List<long[]> deployments) {
        String tenant = principal.tenantId();
        List<Window> windows = new ArrayList<>(2);
        window(names, tenant, windows, "key", "k", principal.keyId(), principal.keyLimits());
        window(names, tenant, windows, "tenant", "t", tenant, principal.tenantLimits());

        Limits kl = principal.keyLimits();
        Limits tl = principal.tenantLimits();
        Principal.Session session = principal.session();
        List<Quota> quotas = List.of();
        if (hasQuota(kl) || hasQuota(tl) || (session != null && session.tokenBudget() != null)) {
            // the counters of key and tenant, day and month, are charged together (one limited means all are kept)
            LocalDate day = Instant.ofEpochMilli(startMillis).atZone(ZoneOffset.UTC).toLocalDate();
            long dayEnd = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            long monthEnd = day.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            long now = startMillis / 1000;
            String d = "d" + day.toString().replace("-", "");
            String m = "m" + d.substring(1, 7);
            quotas = new ArrayList<>(5);
            quotas.add(new Quota("key", "day", principal.keyId(), names.quota(tenant, "k", principal.keyId(), d), orNone(kl.dailyTokens()),
                    nanos(kl.dailyCost()), dayEnd - now + 86_400, dayEnd));
            quotas.add(new Quota("key", "month", principal.keyId(), names.quota(tenant, "k", principal.keyId(), m), orNone(kl.monthlyTokens()),
                    nanos(kl.monthlyCost()), monthEnd - now + 172_800, monthEnd));
            quotas.add(new Quota("tenant", "day", principal.tenantId(), names.quota(tenant, "t", tenant, d),
                    orNone(tl.dailyTokens()), nanos(tl.dailyCost()), dayEnd - now + 86_400, dayEnd));
            quotas.add(new Quota("tenant", "month", principal.tenantId(), names.quota(tenant, "t", tenant, m),
                    orNone(tl.monthlyTokens()), nanos(tl.monthlyCost()), monthEnd - now + 172_800, monthEnd));
            if (session != null) {
                long expires = session.expiresAtEpochSecond();
                quotas.add(new Quota("session key", "session", session.id(), names.quota(tenant, "s", session.id(), "all"),
                        session.tokenBudget() == null ? -1 : session.tokenBudget(), -1, Math.max(60, expires - now + 86_400), -1));
            }
        }
        List<Candidate> candidates = new ArrayList<>(deployments.size());
        boolean anyLimit = false;
        for (long[] dep : deployments) {
            candidates.add(new Candidate(names.deploymentWindow(Long.toString(dep[0])), (int) dep[1]));
            anyLimit |= dep[1] > 0;
        }
        return new Charge(requestId, tenant, windows, quotas, anyLimit ? candidates : List.of(), names);
    }

    private static void window(RedisNames names, String tenant, List<Window> windows, String scope, String tag, String id,
                               Limits limits) {
        if (limits.rpm() != null || limits.tpm() != null) {
            windows.add(new Window(scope, id, names.limiterWindow(tenant, tag, id), names.limiterTokens(tenant, tag, id),
                    orNone(limits.rpm()),
                    orNone(limits.tpm())));
        }
    }

    private static boolean hasQuota(Limits l) {
        return l.dailyTokens() != null || l.monthlyTokens() != null || l.dailyCost() != null || l.monthlyCost() != null;
    }

    private static long orNone(Number limit) {
        return limit == null ? -1 : limit.longValue();
    }

    /** A cost limit in nano-units (rounded down: a budget is never exceeded by rounding). */
    static long nanos(BigDecimal amount) {
        return amount == null ? -1 : amount.movePointRight(9).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    public String requestId() {
        return requestId;
    }

    public List<Window> windows() {
        return windows;
    }

    public List<Quota> quotas() {
        return quotas;
    }

    public List<Candidate> candidates() {
        return candidates;
    }

    /** Whether a token quota or cost budget applies (then every quota counter of the request is charged). */
    public boolean quotaLimited() {
        return !quotas.isEmpty();
    }

    /** Whether anything limits this request, so that it must be admitted first. */
    public boolean needsAdmission() {
        return !windows.isEmpty() || !candidates.isEmpty() || quotaLimited();
    }

    /** Whether a token count is needed to decide (a token limit, a token quota or a cost budget applies). */
    public boolean needsTokens() {
        for (Window w : windows) {
            if (w.tpm() >= 0) {
                return true;
            }
        }
        return quotaLimited();
    }

    /** Sets the worst case the request reserves until settled, and when an unsettled reservation lapses. */
    public void reserve(long tokens, long costNanos, long expiresAtMs) {
        this.tokens = tokens;
        this.costNanos = costNanos;
        this.reservationExpiresAtMs = expiresAtMs;
    }

    public long tokens() {
        return tokens;
    }

    public long costNanos() {
        return costNanos;
    }

    public long reservationExpiresAtMs() {
        return reservationExpiresAtMs;
    }

    public String reservationsKey() {
        return reservations;
    }

    public String reservationExpiriesKey() {
        return reservationExpiries;
    }

    /** Whether this request checks its key's or tenant's limits (windows or quotas: the tenant's shard). */
    public boolean tenantLimited() {
        return !windows.isEmpty() || quotaLimited();
    }

    /** The reservation keys of a deployments-only script (on the deployments' slot; it reserves nothing). */
    public String deploymentReservationsKey() {
        return deploymentReservations;
    }

    public String deploymentReservationExpiriesKey() {
        return deploymentReservationExpiries;
    }

    /**
     * The settlement of this request with its real usage, as one line ({@code <request id> <tokens> <cost>
     * (<quota key> <ttl>)... .}): queued with the request's usage event, and spooled with it while Redis is away.
     */
    public String settlement(long usedTokens, long usedCostNanos) {
        StringBuilder sb = new StringBuilder(64 + quotas.size() * 48);
        sb.append(requestId).append(' ').append(usedTokens).append(' ').append(usedCostNanos);
        for (Quota q : quotas) {
            sb.append(' ').append(q.key()).append(' ').append(q.ttlSeconds());
        }
        return sb.append(" .").toString();
    }
}
