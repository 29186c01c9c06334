package io.nexusai.metering;

import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.metrics.BudgetGauges;
import io.nexusai.metering.metrics.BudgetGauges.Ratio;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * nexus_budget_used_ratio against real PostgreSQL: usage of the current UTC day and month from the rollups, divided
 * by the tenants' quotas and budgets; no series without a quota.
 */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class BudgetGaugesTest {
    static final AtomicInteger SEQ = new AtomicInteger();

    @Inject
    BudgetGauges gauges;
    @Inject
    UsageRepository usage;
    @Inject
    Pool pool;
    @Inject
    MeterRegistry registry;

    String tenant(Long dailyTokens, Long monthlyTokens, String dailyCost, String monthlyCost) {
        String id = "budget-" + UUID.randomUUID().toString().substring(0, 8);
        pool.preparedQuery("INSERT INTO public.tenants (id, name, daily_token_quota, monthly_token_quota, daily_cost_budget, "
                        + "monthly_cost_budget) VALUES ($1, $1, $2, $3, $4, $5)")
                .execute(Tuple.of(id, dailyTokens, monthlyTokens, dailyCost == null ? null : new BigDecimal(dailyCost))
                        .addValue(monthlyCost == null ? null : new BigDecimal(monthlyCost)))
                .await().indefinitely();
        return id;
    }

    void spend(String tenant, String at, long prompt, long completion, String cost) {
        int n = SEQ.incrementAndGet();
        UsageEvent e = new UsageEvent(tenant + "-" + n, null, Instant.parse(at).toEpochMilli(), tenant, "key-1", "chat.completions",
                "nexus-gpt4", 1, "openai", 1, "gpt-4o", false, 200, prompt, completion, false, 10, BigDecimal.ONE, null);
        usage.insertAll(List.of(new UsageRecord(e, new PriceBook.Cost(new BigDecimal(cost), "USD", true), "0-" + n)))
                .await().indefinitely();
    }

    static List<Ratio> of(List<Ratio> all, String tenant) {
        return all.stream().filter(r -> r.tenant().equals(tenant)).toList();
    }

    @Test
    void ratiosOfTheCurrentDayAndMonth() {
        String a = tenant(1000L, 600L, "1.2", null);
        String none = tenant(null, null, null, null);
        String zero = tenant(null, null, "0", null);
        String idle = tenant(null, 5000L, null, "10");
        spend(a, "2026-03-15T01:00:00Z", 60, 40, "0.30");          // today
        spend(a, "2026-03-14T23:59:59.999Z", 30, 20, "0.20");      // yesterday: month only
        spend(a, "2026-02-28T12:00:00Z", 700, 300, "5");           // last month: neither
        spend(none, "2026-03-15T02:00:00Z", 10, 10, "1");

        List<Ratio> all = BudgetGauges.ratios(gauges.usage(Instant.parse("2026-03-15T12:00:00Z")).await().indefinitely());

        assertThat(of(all, a)).containsExactlyInAnyOrder(
                new Ratio(a, "day", "tokens", 0.1),      // 100 / 1000
                new Ratio(a, "month", "tokens", 0.25),   // 150 / 600
                new Ratio(a, "day", "cost", 0.25));      // 0.30 / 1.2; no monthly budget: no series
        assertThat(of(all, none)).as("a tenant without quotas has no series").isEmpty();
        assertThat(of(all, zero)).as("a zero budget is used up").containsExactly(new Ratio(zero, "day", "cost", 1.0));
        assertThat(of(all, idle)).containsExactlyInAnyOrder(new Ratio(idle, "month", "tokens", 0.0), new Ratio(idle, "month", "cost", 0.0));

        // on the first of the month, yesterday's usage belongs to the previous month
        List<Ratio> nextMonth = BudgetGauges.ratios(gauges.usage(Instant.parse("2026-04-01T00:00:00Z")).await().indefinitely());
        assertThat(of(nextMonth, a)).allSatisfy(r -> assertThat(r.value()).isZero());
    }

    @Test
    void overrunAndZeroLimits() {
        String over = tenant(100L, null, null, null);
        spend(over, "2026-05-10T10:00:00Z", 120, 30, "0");
        List<Ratio> all = BudgetGauges.ratios(gauges.usage(Instant.parse("2026-05-10T11:00:00Z")).await().indefinitely());
        assertThat(of(all, over)).containsExactly(new Ratio(over, "day", "tokens", 1.5));

        String zero = tenant(0L, null, null, null);
        spend(zero, "2026-05-10T10:00:00Z", 1, 0, "0");
        all = BudgetGauges.ratios(gauges.usage(Instant.parse("2026-05-10T11:00:00Z")).await().indefinitely());
        assertThat(of(all, zero)).containsExactly(new Ratio(zero, "day", "tokens", Double.POSITIVE_INFINITY));
    }

    @Test
    void refreshExportsTheGaugeAndDropsSeriesWhoseQuotaIsRemoved() {
        String t = tenant(1000L, null, null, "4");
        Instant now = Instant.now();
        spend(t, now.toString(), 150, 100, "1");
        gauges.refresh().await().indefinitely();
        assertThat(registry.get("nexus.budget.used.ratio").tags("tenant", t, "period", "day", "kind", "tokens").gauge().value())
                .isCloseTo(0.25, within(1e-12));
        assertThat(registry.get("nexus.budget.used.ratio").tags("tenant", t, "period", "month", "kind", "cost").gauge().value())
                .isCloseTo(0.25, within(1e-12));
        assertThat(registry.find("nexus.budget.used.ratio").tags("tenant", t, "period", "month", "kind", "tokens").gauge()).isNull();

        pool.preparedQuery("UPDATE public.tenants SET daily_token_quota = NULL WHERE id = $1").execute(Tuple.of(t)).await().indefinitely();
        gauges.refresh().await().indefinitely();
        assertThat(registry.find("nexus.budget.used.ratio").tags("tenant", t, "period", "day", "kind", "tokens").gauge()).isNull();
        assertThat(registry.find("nexus.budget.used.ratio").tags("tenant", t, "period", "month", "kind", "cost").gauge()).isNotNull();
    }
}
