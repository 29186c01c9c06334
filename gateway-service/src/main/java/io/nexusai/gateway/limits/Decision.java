package io.nexusai.gateway.limits;

/**
 * The limiter's answer for one request.
 *
 * @param verdict      {@link #ADMITTED} or why not: {@link #REQUESTS}, {@link #TOKENS}, {@link #TOKEN_QUOTA},
 *                     {@link #COST_BUDGET}, {@link #DEPLOYMENTS}
 * @param index        admitted: the candidate deployment chosen (-1 = none counted); refused: the window or quota
 *                     that refused
 * @param retryMs      refused: when trying again may succeed (ms), -1 = never (the request cannot fit)
 * @param reqLimit     tightest requests-per-minute limit of the key and tenant, -1 when none
 * @param reqRemaining requests left in that window
 * @param reqResetMs   when its oldest request leaves the window
 * @param tokLimit     tightest tokens-per-minute limit, -1 when none
 * @param tokRemaining tokens left in that window
 * @param tokResetMs   when its oldest request leaves the window
 * @param local        decided by this replica alone (Redis unreachable)
 */
public record Decision(int verdict, int index, long retryMs, long reqLimit, long reqRemaining, long reqResetMs, long tokLimit,
                       long tokRemaining, long tokResetMs, boolean local) {
    public static final int ADMITTED = 0;
    public static final int REQUESTS = 1;
    public static final int TOKENS = 2;
    public static final int TOKEN_QUOTA = 3;
    public static final int COST_BUDGET = 4;
    public static final int DEPLOYMENTS = 5;

    public boolean admitted() {
        return verdict == ADMITTED;
    }

    /** The label of the verdict in metrics. */
    public String reason() {
        return switch (verdict) {
            case ADMITTED -> "admitted";
            case REQUESTS -> "requests_per_minute";
            case TOKENS -> "tokens_per_minute";
            case TOKEN_QUOTA -> "token_quota";
            case COST_BUDGET -> "cost_budget";
            default -> "deployment_rate_limit";
        };
    }
}
