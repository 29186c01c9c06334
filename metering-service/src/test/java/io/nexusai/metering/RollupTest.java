package io.nexusai.metering;

import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.pricing.PriceBook;
import io.nexusai.metering.repository.UsageRecord;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.metering.repository.UsageRepository.Filter;
import io.nexusai.metering.repository.UsageRepository.Source;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rollups: maintained with the insert from the rows actually inserted (a redelivered batch adds nothing), equal
 * to the events they summarise, and the usage queries give the same answers from the rollups as from the events
 * for every filter, range and grouping.
 */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class RollupTest {
    static final String[][] MODELS = {{"nexus-gpt4", "openai", "gpt-4o"}, {"nexus-mini", "openai", "gpt-4o-mini"},
            {"nexus-claude", "anthropic", "claude-3-5-sonnet-latest"}, {"nexus-free", "", ""}};
    static final String[] MULTIPLIERS = {"1", "1.5", "0.333333", "2"};

    @Inject
    UsageRepository usage;
    @Inject
    PriceBook prices;
    @Inject
    Pool pool;

    /** Events of one tenant over ~3 days around a day boundary, at millisecond times, with minute/day edge cases. */
    List<UsageRecord> records(String tenant, Instant base, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<UsageRecord> out = new ArrayList<>();
        Instant midnight = base.truncatedTo(ChronoUnit.DAYS);
        long[] edges = {midnight.toEpochMilli(), midnight.toEpochMilli() - 1, midnight.plusSeconds(60).toEpochMilli(),
                midnight.plusSeconds(59).toEpochMilli() + 999};
        for (int i = 0; i < n; i++) {
            long ts = i < edges.length ? edges[i] : base.toEpochMilli() - 36 * 3_600_000L + r.nextLong(72 * 3_600_000L);
            String[] m = MODELS[r.nextInt(MODELS.length)];
            long prompt = r.nextInt(5000);
            long completion = r.nextInt(3000);
            BigDecimal multiplier = new BigDecimal(MULTIPLIERS[r.nextInt(MULTIPLIERS.length)]);
            UsageEvent e = new UsageEvent(tenant + "-" + i, i % 7 == 0 ? "client-" + i : null, ts, tenant, "key-" + r.nextInt(3),
                    "chat.completions", m[0], m[1].isEmpty() ? 0 : 1, m[1].isEmpty() ? null : m[1], 1, m[2].isEmpty() ? null : m[2],
                    false, 200, prompt, completion, false, 10, multiplier, null);
            out.add(new UsageRecord(e, prices.cost(e.realModel(), prompt, completion, multiplier), "0-" + i));
        }
        return out;
    }

    @Test
    void rollupsCountOnlyInsertedRowsAndMatchTheEvents() {
        String tenant = "roll-" + UUID.randomUUID().toString().substring(0, 8);
        List<UsageRecord> all = records(tenant, Instant.now(), 600, 1);
        List<UsageRecord> first = all.subList(0, 400);
        UsageRepository.InsertResult r1 = usage.insertAll(first).await().indefinitely();
        assertThat(r1.inserted()).hasSize(400);
        assertThat(r1.duplicates()).isZero();

        // redelivery of the same batch: nothing inserted, rollups unchanged
        UsageRepository.InsertResult again = usage.insertAll(first).await().indefinitely();
        assertThat(again.inserted()).isEmpty();
        assertThat(again.duplicates()).isEqualTo(400);

        // half old, half new, and one repeated inside the batch
        List<UsageRecord> mixed = new ArrayList<>(all.subList(300, 600));
        mixed.add(all.get(550));
        UsageRepository.InsertResult r2 = usage.insertAll(mixed).await().indefinitely();
        assertThat(r2.inserted()).hasSize(200);
        assertThat(r2.duplicates()).isEqualTo(101);
        assertThat(r2.inserted()).extracting(r -> r.event().requestId())
                .containsExactlyInAnyOrderElementsOf(all.subList(400, 600).stream().map(r -> r.event().requestId()).toList());

        // the stored totals are the exact sums of the distinct events
        long prompt = all.stream().mapToLong(r -> r.event().promptTokens()).sum();
        long completion = all.stream().mapToLong(r -> r.event().completionTokens()).sum();
        BigDecimal cost = all.stream().map(r -> r.cost().amount()).reduce(BigDecimal.ZERO, BigDecimal::add);
        for (String table : List.of("usage_events", "usage_minute", "usage_hour", "usage_daily")) {
            Row row = one("SELECT " + (table.equals("usage_events") ? "count(*)" : "sum(requests)")
                    + ", sum(prompt_tokens), sum(completion_tokens), sum(cost) FROM metering." + table + " WHERE tenant_id = '" + tenant + "'");
            assertThat(row.getLong(0)).as(table).isEqualTo(600);
            assertThat(row.getLong(1)).as(table).isEqualTo(prompt);
            assertThat(row.getLong(2)).as(table).isEqualTo(completion);
            assertThat(row.getBigDecimal(3)).as(table).isEqualByComparingTo(cost);
        }

        // and every rollup row is exactly the aggregate of its bucket's events
        for (String[] t : new String[][] {{"usage_minute", "minute"}, {"usage_hour", "hour"}, {"usage_daily", "day"}}) {
            String events = "SELECT date_trunc('" + t[1] + "', occurred_at, 'UTC') AS bucket, tenant_id, key_id, model_alias, real_model,"
                    + " provider, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,"
                    + " sum(cost) AS cost FROM metering.usage_events WHERE tenant_id = '" + tenant + "' GROUP BY 1, 2, 3, 4, 5, 6";
            String rollup = "SELECT bucket, tenant_id, key_id, model_alias, real_model, provider, requests, prompt_tokens,"
                    + " completion_tokens, cost FROM metering." + t[0] + " WHERE tenant_id = '" + tenant + "'";
            assertThat(one("SELECT count(*) FROM ((" + events + ") EXCEPT (" + rollup + ")) d").getLong(0)).as(t[0]).isZero();
            assertThat(one("SELECT count(*) FROM ((" + rollup + ") EXCEPT (" + events + ")) d").getLong(0)).as(t[0]).isZero();
        }
    }

    @Test
    void queriesGiveTheSameAnswersFromRollupsAndFromEvents() {
        String tenant = "same-" + UUID.randomUUID().toString().substring(0, 8);
        Instant base = Instant.now();
        usage.insertAll(records(tenant, base, 1500, 2)).await().indefinitely();
        usage.insertAll(records("other-" + tenant, base, 300, 3)).await().indefinitely();

        Instant midnight = base.truncatedTo(ChronoUnit.DAYS);
        List<Instant[]> ranges = new ArrayList<>(List.of(
                range(base.minus(Duration.ofDays(30)), base.plusSeconds(1)),                          // the default window
                range(midnight.minus(Duration.ofDays(1)), midnight.plus(Duration.ofDays(1))),         // whole days
                range(midnight.minusSeconds(3600), midnight.plusSeconds(7200)),                      // whole minutes, no whole day
                range(midnight.minusMillis(1), midnight.plusSeconds(60)),                            // edges at the millisecond
                range(midnight.plusMillis(10), midnight.plusMillis(50_000)),                         // inside one minute
                range(midnight.minusSeconds(86_400 + 17), midnight.plusSeconds(86_400 + 31)),        // days + minutes + events
                range(midnight.plus(Duration.ofDays(5)), midnight.plus(Duration.ofDays(6))),         // nothing there
                range(midnight.minusSeconds(5 * 3600), midnight.plusSeconds(7 * 3600)),              // whole hours, no whole day
                range(midnight.minusSeconds(5 * 3600 + 17 * 60), midnight.plusSeconds(7 * 3600 + 41 * 60)), // + minutes
                // days, hours, minutes and events at both ends: starting and ending mid-hour and mid-minute
                range(midnight.minusSeconds(86_400 + 5 * 3600 + 17 * 60 + 3).plusMillis(250),
                        midnight.plusSeconds(86_400 + 2 * 3600 + 41 * 60 + 7).plusMillis(1)),
                range(midnight.minusSeconds(3 * 3600 + 12 * 60 + 30).minusMillis(500),              // hours inside, mid-minute ends
                        midnight.plusSeconds(9 * 3600 + 47 * 60 + 5)),
                range(midnight.plusSeconds(3600 + 30 * 60), midnight.plusSeconds(86_400 + 26 * 60)), // mid-hour, whole minutes
                range(midnight.plusSeconds(4 * 3600 + 59 * 60 + 59), midnight.plusSeconds(6 * 3600 + 1)))); // one hour + ends
        SplittableRandom r = new SplittableRandom(4);
        long span = 80 * 3_600_000L;
        for (int i = 0; i < 25; i++) {
            long a = base.toEpochMilli() - 40 * 3_600_000L + r.nextLong(span);
            long b = a + 1 + r.nextLong(span / 2);
            ranges.add(range(Instant.ofEpochMilli(a), Instant.ofEpochMilli(b)));
        }
        List<Filter> filters = new ArrayList<>();
        for (Instant[] range : ranges) {
            filters.add(new Filter(tenant, range[0], range[1], null, null, null, null, null));
            filters.add(new Filter(null, range[0], range[1], null, null, null, null, null));
            filters.add(new Filter(tenant, range[0], range[1], "key-1", null, null, null, null));
            filters.add(new Filter(tenant, range[0], range[1], null, "nexus-gpt4", null, null, null));
            filters.add(new Filter(tenant, range[0], range[1], null, null, "gpt-4o-mini", "openai", null));
            filters.add(new Filter(tenant, range[0], range[1], null, null, null, "anthropic", null));
        }
        int nonEmpty = 0;
        for (Filter f : filters) {
            for (String unit : Arrays.asList(null, "hour", "day")) {
                List<UsageRepository.Totals> fromRollups = usage.totals(f, unit, Source.AUTO).await().indefinitely();
                List<UsageRepository.Totals> fromEvents = usage.totals(f, unit, Source.EVENTS).await().indefinitely();
                assertThat(fromRollups).as("%s by %s", f, unit).isEqualTo(fromEvents);
                if (unit == null && fromEvents.get(0).requests() > 0) {
                    nonEmpty++;
                }
            }
            assertThat(usage.allocation(f, Source.AUTO).await().indefinitely()).as("allocation %s", f)
                    .isEqualTo(usage.allocation(f, Source.EVENTS).await().indefinitely());
        }
        assertThat(nonEmpty).isGreaterThan(filters.size() / 2);

        // a request id filter always reads the events
        Filter byRequest = new Filter(tenant, base.minus(Duration.ofDays(3)), base.plus(Duration.ofDays(3)), null, null, null, null,
                tenant + "-7");
        assertThat(usage.totals(byRequest, null, Source.AUTO).await().indefinitely().get(0).requests()).isEqualTo(1);
        Filter byClientRequest = new Filter(tenant, base.minus(Duration.ofDays(3)), base.plus(Duration.ofDays(3)), null, null, null,
                null, "client-14");
        assertThat(usage.totals(byClientRequest, "day", Source.AUTO).await().indefinitely()).hasSize(1);
    }

    static Instant[] range(Instant a, Instant b) {
        return new Instant[] {a, b};
    }

    Row one(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next();
    }
}
