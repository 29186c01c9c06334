package io.nexusai.metering.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.nexusai.metering.config.MeteringConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nexus_budget_used_ratio{tenant,period=day|month,kind=tokens|cost}}: the share of each tenant's daily and
 * monthly token quota and cost budget used so far in the current UTC day and month, from the usage rollups
 * ({@code metering.usage_daily}) and the quotas in the control-plane {@code tenants} table — both in the database
 * metering-service already uses (it reads {@code public.model_prices} the same way). Recomputed every
 * {@code nexus.metering.budget-every}; a quota that is NULL (none) has no series, and a series disappears when its
 * quota is removed or its tenant deleted. Tenant ids are configuration, so the label set is bounded.
 */
@ApplicationScoped
public class BudgetGauges {
    private static final Logger LOG = Logger.getLogger(BudgetGauges.class);

    /** Usage of one tenant in the current day and month, with its quotas ({@code null} = none). */
    public record TenantUsage(String tenant, Long dailyTokenQuota, Long monthlyTokenQuota, BigDecimal dailyCostBudget,
                              BigDecimal monthlyCostBudget, long dayTokens, long monthTokens, BigDecimal dayCost, BigDecimal monthCost) {
    }

    /** One series of the gauge. */
    public record Ratio(String tenant, String period, String kind, double value) {
    }

    private static final String QUERY = """
            WITH usage AS (
                SELECT tenant_id,
                       sum(prompt_tokens + completion_tokens) FILTER (WHERE bucket >= date_trunc('day', $1::timestamptz, 'UTC'))::bigint AS day_tokens,
                       sum(cost) FILTER (WHERE bucket >= date_trunc('day', $1::timestamptz, 'UTC')) AS day_cost,
                       sum(prompt_tokens + completion_tokens)::bigint AS month_tokens,
                       sum(cost) AS month_cost
                FROM metering.usage_daily
                WHERE bucket >= date_trunc('month', $1::timestamptz, 'UTC') AND bucket <= $1::timestamptz
                GROUP BY tenant_id)
            SELECT t.id, t.daily_token_quota, t.monthly_token_quota, t.daily_cost_budget, t.monthly_cost_budget,
                   u.day_tokens, u.day_cost, u.month_tokens, u.month_cost
            FROM public.tenants t LEFT JOIN usage u ON u.tenant_id = t.id
            WHERE t.daily_token_quota IS NOT NULL OR t.monthly_token_quota IS NOT NULL
               OR t.daily_cost_budget IS NOT NULL OR t.monthly_cost_budget IS NOT NULL
            ORDER BY t.id""";

    private final Pool pool;
    private final Vertx vertx;
    private final MeteringConfig config;
    private final MultiGauge gauge;

    public BudgetGauges(Pool pool, Vertx vertx, MeteringConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
        this.gauge = MultiGauge.builder("nexus.budget.used.ratio")
                .description("Share of a tenant's token quota (kind tokens) or cost budget (kind cost) used in the current UTC day or month")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        long every = config.budgetEvery().toMillis();
        if (every > 0) {
            refresh().subscribe().with(v -> { }, f -> { });
            vertx.setPeriodic(every, id -> refresh().subscribe().with(v -> { }, f -> { }));
        }
    }

    /** Recomputes the gauge from the database now. */
    public Uni<List<Ratio>> refresh() {
        return usage(Instant.now())
                .map(BudgetGauges::ratios)
                .invoke(ratios -> gauge.register(ratios.stream()
                        .map(r -> MultiGauge.Row.of(Tags.of("tenant", r.tenant(), "period", r.period(), "kind", r.kind()), r.value()))
                        .toList(), true))
                .onFailure().invoke(e -> LOG.warnf("budget gauges not refreshed: %s", e.getMessage()));
    }

    /** Every tenant with at least one quota or budget, with its usage in the UTC day and month of {@code now}. */
    public Uni<List<TenantUsage>> usage(Instant now) {
        return pool.preparedQuery(QUERY).execute(Tuple.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC))).map(rows -> {
            List<TenantUsage> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new TenantUsage(r.getString("id"), r.getLong("daily_token_quota"), r.getLong("monthly_token_quota"),
                        r.getBigDecimal("daily_cost_budget"), r.getBigDecimal("monthly_cost_budget"),
                        orZero(r.getLong("day_tokens")), orZero(r.getLong("month_tokens")),
                        orZero(r.getBigDecimal("day_cost")), orZero(r.getBigDecimal("month_cost"))));
            }
            return out;
        });
    }

    /** The series for these tenants: one per quota or budget that is set. */
    public static List<Ratio> ratios(List<TenantUsage> tenants) {
        List<Ratio> out = new ArrayList<>();
        for (TenantUsage t : tenants) {
            if (t.dailyTokenQuota() != null) {
                out.add(new Ratio(t.tenant(), "day", "tokens", ratio(BigDecimal.valueOf(t.dayTokens()), BigDecimal.valueOf(t.dailyTokenQuota()))));
            }
            if (t.monthlyTokenQuota() != null) {
                out.add(new Ratio(t.tenant(), "month", "tokens", ratio(BigDecimal.valueOf(t.monthTokens()), BigDecimal.valueOf(t.monthlyTokenQuota()))));
            }
            if (t.dailyCostBudget() != null) {
                out.add(new Ratio(t.tenant(), "day", "cost", ratio(t.dayCost(), t.dailyCostBudget())));
            }
            if (t.monthlyCostBudget() != null) {
                out.add(new Ratio(t.tenant(), "month", "cost", ratio(t.monthCost(), t.monthlyCostBudget())));
            }
        }
        return out;
    }

    /**
     * used / limit. A limit of zero allows nothing: it is used up (1) with nothing spent, and overrun (+Inf) once
     * anything was (usage is settled after the fact, so it can exceed a limit).
     */
    static double ratio(BigDecimal used, BigDecimal limit) {
        if (limit.signum() == 0) {
            return used.signum() > 0 ? Double.POSITIVE_INFINITY : 1.0;
        }
        return used.divide(limit, MathContext.DECIMAL64).doubleValue();
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static BigDecimal orZero(BigDecimal v) {
        return v == null ? BigDecimal.ZERO : v;
    }
}
