package io.nexusai.metering.repository;

import io.nexusai.metering.repository.UsageRepository.Segment;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.nexusai.metering.repository.UsageRepository.DAYS;
import static io.nexusai.metering.repository.UsageRepository.EVENTS;
import static io.nexusai.metering.repository.UsageRepository.HOURS;
import static io.nexusai.metering.repository.UsageRepository.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The query plan of the usage API: which table answers for which slice of a period. (That the answers equal those
 * from the events is RollupTest's, against PostgreSQL.)
 */
class UsagePlanTest {
    private static final Map<String, ChronoUnit> UNIT = Map.of(DAYS, ChronoUnit.DAYS, HOURS, ChronoUnit.HOURS,
            MINUTES, ChronoUnit.MINUTES);

    @Test
    void daysThenHoursThenMinutesThenEvents() {
        Instant start = Instant.parse("2026-03-01T21:17:42.250Z");
        Instant end = Instant.parse("2026-03-31T14:41:07.001Z");
        assertThat(UsageRepository.plan(start, end, true)).containsExactly(
                new Segment(EVENTS, start, Instant.parse("2026-03-01T21:18:00Z")),
                new Segment(MINUTES, Instant.parse("2026-03-01T21:18:00Z"), Instant.parse("2026-03-01T22:00:00Z")),
                new Segment(HOURS, Instant.parse("2026-03-01T22:00:00Z"), Instant.parse("2026-03-02T00:00:00Z")),
                new Segment(DAYS, Instant.parse("2026-03-02T00:00:00Z"), Instant.parse("2026-03-31T00:00:00Z")),
                new Segment(HOURS, Instant.parse("2026-03-31T00:00:00Z"), Instant.parse("2026-03-31T14:00:00Z")),
                new Segment(MINUTES, Instant.parse("2026-03-31T14:00:00Z"), Instant.parse("2026-03-31T14:41:00Z")),
                new Segment(EVENTS, Instant.parse("2026-03-31T14:41:00Z"), end));
    }

    @Test
    void groupByHourReadsHoursNotDays() {
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        Instant end = Instant.parse("2026-03-31T14:41:07.001Z");
        assertThat(UsageRepository.plan(start, end, false)).containsExactly(
                new Segment(HOURS, start, Instant.parse("2026-03-31T14:00:00Z")),
                new Segment(MINUTES, Instant.parse("2026-03-31T14:00:00Z"), Instant.parse("2026-03-31T14:41:00Z")),
                new Segment(EVENTS, Instant.parse("2026-03-31T14:41:00Z"), end));
    }

    @Test
    void shortPeriodsUseWhatFitsInside() {
        Instant a = Instant.parse("2026-03-01T10:05:00Z");
        assertThat(UsageRepository.plan(a, a.plusSeconds(59), true)).containsExactly(new Segment(EVENTS, a, a.plusSeconds(59)));
        assertThat(UsageRepository.plan(a, a.plusSeconds(3000), true))
                .containsExactly(new Segment(MINUTES, a, a.plusSeconds(3000)));
        assertThat(UsageRepository.plan(a, a, true)).containsExactly(new Segment(EVENTS, a, a));
        Instant midnight = Instant.parse("2026-03-02T00:00:00Z");
        assertThat(UsageRepository.plan(midnight, midnight.plus(1, ChronoUnit.DAYS), true))
                .containsExactly(new Segment(DAYS, midnight, midnight.plus(1, ChronoUnit.DAYS)));
        assertThat(UsageRepository.plan(midnight, midnight.plus(1, ChronoUnit.DAYS), false))
                .containsExactly(new Segment(HOURS, midnight, midnight.plus(1, ChronoUnit.DAYS)));
    }

    /**
     * For random periods: the slices are contiguous and cover the period exactly; each rollup slice has bounds on its
     * unit; two slices of one table are never next to each other; the events answer only for less than a minute at
     * either end (or for the whole period when no whole minute is inside it); the coarsest rollup with a whole unit
     * inside the period is used; the day rollup never when grouping by hour.
     */
    @Test
    void slicesCoverThePeriodWithTheCoarsestRollupThatFits() {
        SplittableRandom r = new SplittableRandom(15);
        long base = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 20_000; i++) {
            long span = switch (i % 4) {
                case 0 -> 120_000L;
                case 1 -> 7_200_000L;
                case 2 -> 172_800_000L;
                default -> 40 * 86_400_000L;
            };
            Instant start = Instant.ofEpochMilli(base + r.nextLong(86_400_000L * 3));
            Instant end = start.plusMillis(r.nextLong(span) + 1);
            boolean daysAllowed = r.nextBoolean();
            List<Segment> plan = UsageRepository.plan(start, end, daysAllowed);
            String what = start + " .. " + end + " days " + daysAllowed + ": " + plan;
            assertThat(plan.get(0).from()).as(what).isEqualTo(start);
            assertThat(plan.get(plan.size() - 1).to()).as(what).isEqualTo(end);
            for (int s = 0; s < plan.size(); s++) {
                Segment seg = plan.get(s);
                assertThat(seg.from()).as(what).isBefore(seg.to());
                if (s > 0) {
                    assertThat(seg.from()).as(what).isEqualTo(plan.get(s - 1).to());
                    assertThat(seg.table()).as(what).isNotEqualTo(plan.get(s - 1).table());
                }
                if (seg.table().equals(EVENTS) && plan.size() == 1) { // no whole minute inside
                    assertThat(seg.to().truncatedTo(ChronoUnit.MINUTES)).as(what)
                            .isBeforeOrEqualTo(seg.from().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES));
                } else if (seg.table().equals(EVENTS)) { // a partial minute at either end
                    assertThat(s == 0 || s == plan.size() - 1).as(what).isTrue();
                    assertThat(seg.to().toEpochMilli() - seg.from().toEpochMilli()).as(what).isLessThan(60_000);
                } else {
                    ChronoUnit unit = UNIT.get(seg.table());
                    assertThat(seg.from().truncatedTo(unit)).as(what).isEqualTo(seg.from());
                    assertThat(seg.to().truncatedTo(unit)).as(what).isEqualTo(seg.to());
                }
            }
            if (!daysAllowed) {
                assertThat(plan).as(what).extracting(Segment::table).doesNotContain(DAYS);
            }
            // the coarsest rollup that fits whole units into the period is used
            for (var e : List.of(Map.entry(DAYS, ChronoUnit.DAYS), Map.entry(HOURS, ChronoUnit.HOURS),
                    Map.entry(MINUTES, ChronoUnit.MINUTES))) {
                if (e.getKey().equals(DAYS) && !daysAllowed) {
                    continue;
                }
                Instant floor = start.truncatedTo(e.getValue());
                Instant first = floor.equals(start) ? start : floor.plus(1, e.getValue());
                if (first.isBefore(end.truncatedTo(e.getValue()))) {
                    assertThat(plan).as(what).extracting(Segment::table).contains(e.getKey());
                    break;
                }
            }
        }
    }
}
