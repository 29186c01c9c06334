package io.nexusai.routing.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.events.RedisNames;
import io.nexusai.api.routing.HealthReports;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The health matrix at scale, in a real Redis: two gateways publishing 20,000 targets each the way gateways do
 * ({@link HealthReports}: changed reports only, in entries of 250, hash before stream, heartbeat), a stale and a
 * forgotten gateway; readers that follow the stream, start late (HSCAN), and resync after the stream was trimmed
 * past them; window counts from counter growth; the per-deployment gauges bounded by
 * {@code nexus.metrics.max-deployments}, and the per-provider counts that see every target past that bound.
 */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class HealthMatrixScaleTest {
    static final int TARGETS = 20_000;
    static final int MAX = 50;
    /** Providers of the simulated targets: "p" + the target's deployment id modulo 3. */
    static final List<String> PROVIDERS = List.of("p0", "p1", "p2");

    @Inject
    RedisDataSource redis;
    @Inject
    ReactiveRedisDataSource reactive;
    @Inject
    ObjectMapper mapper;
    @Inject
    Vertx vertx;

    final RedisNames names = new RedisNames("hm-" + UUID.randomUUID());

    /** A simulated gateway: its counters per target, published only when changed, like the gateway's HealthPublisher. */
    final class Gateway {
        final String name;
        final long since = System.currentTimeMillis() - 3_600_000;
        final Map<String, long[]> counters = new LinkedHashMap<>(); // successes, failures, breaker (0, 1, 2)
        final Map<String, Boolean> changed = new LinkedHashMap<>();
        long seq;

        Gateway(String name) {
            this.name = name;
        }

        void count(String target, long successes, long failures, int breaker) {
            long[] c = counters.computeIfAbsent(target, t -> new long[3]);
            c[0] += successes;
            c[1] += failures;
            c[2] = breaker;
            changed.put(target, true);
        }

        /** One publish at {@code at}; returns the number of stream entries written. */
        int publish(long at) throws Exception {
            List<String> targets = new ArrayList<>(changed.keySet());
            changed.clear();
            int entries = 0;
            for (int from = 0; from < targets.size(); from += 250) {
                Map<String, String> hash = new HashMap<>();
                Map<String, String> entry = new LinkedHashMap<>();
                entry.put(HealthReports.GATEWAY, name);
                entry.put(HealthReports.SEQ, Long.toString(++seq));
                entry.put(HealthReports.AT, Long.toString(at));
                for (String t : targets.subList(from, Math.min(targets.size(), from + 250))) {
                    long[] c = counters.get(t);
                    String json = mapper.writeValueAsString(new TargetReport(name, t, Long.parseLong(t), "p" + Long.parseLong(t) % 3, null,
                            c[0], c[1], 10, 20, 30, c[2] == 2 ? "OPEN" : c[2] == 1 ? "HALF_OPEN" : "CLOSED", at, since));
                    hash.put(HealthReports.field(name, t), json);
                    entry.put(t, json);
                }
                redis.hash(String.class).hset(names.healthHash(), hash);
                redis.stream(String.class).xadd(names.healthStream(), entry);
                entries++;
            }
            redis.hash(String.class).hset(names.healthGateways(), name, HealthReports.heartbeat(at, seq));
            return entries;
        }
    }

    HealthMatrix reader(SimpleMeterRegistry meters, Duration window) {
        return new HealthMatrix(reactive, mapper, vertx, meters, names, Duration.ofHours(1), window, MAX);
    }

    static void refresh(HealthMatrix m) throws Exception {
        m.refresh().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static String key(int i) {
        return Integer.toString(1_000_000 + i);
    }

    List<Map<String, String>> lastEntries(int n) {
        Response r = reactive.execute("XREVRANGE", names.healthStream(), "+", "-", "COUNT", Integer.toString(n)).await().indefinitely();
        List<Map<String, String>> out = new ArrayList<>();
        for (Response e : r) {
            Map<String, String> fields = new LinkedHashMap<>();
            Response f = e.get(1);
            for (int i = 0; i + 1 < f.size(); i += 2) {
                fields.put(f.get(i).toString(), f.get(i + 1).toString());
            }
            out.add(fields);
        }
        return out;
    }

    static long targetsIn(HealthMatrix.Matrix m) {
        return m.providers().values().stream().mapToLong(List::size).sum();
    }

    static String provider(String key) {
        return "p" + Long.parseLong(key) % 3;
    }

    /** Targets among key(0) .. key(n - 1) that belong to a provider. */
    static int targetsOf(String provider, int n) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            count += provider(key(i)).equals(provider) ? 1 : 0;
        }
        return count;
    }

    /** {@code nexus_provider_deployments{provider,health}} now. */
    static double deployments(SimpleMeterRegistry meters, String provider, String health) {
        return meters.get("nexus.provider.deployments").tag("provider", provider).tag("health", health).gauge().value();
    }

    /** All {@code nexus_provider_deployments} series added up: every target the matrix holds. */
    static double allDeployments(SimpleMeterRegistry meters) {
        return meters.find("nexus.provider.deployments").gauges().stream().mapToDouble(g -> g.value()).sum();
    }

    @Test
    void twentyThousandTargetsFromTwoGatewaysFollowedStartedLateAndResyncedAfterAGap() throws Exception {
        long now = System.currentTimeMillis();
        Gateway a = new Gateway("gw-a");
        Gateway b = new Gateway("gw-b");
        for (int i = 0; i < TARGETS; i++) {
            a.count(key(i), i % 7, i % 3, 0);
            b.count(key(i), i % 5, 0, 0);
        }
        assertThat(a.publish(now)).isEqualTo(TARGETS / 250);
        b.publish(now);
        // a gateway that stopped two minutes ago (its breakers open): ignored, kept
        Gateway stale = new Gateway("gw-stale");
        // and one that stopped eleven minutes ago: forgotten, its fields deleted
        Gateway gone = new Gateway("gw-gone");
        for (int i = 0; i < 100; i++) {
            stale.count(key(i), 0, 50, 2);
            gone.count(key(i), 0, 50, 2);
        }
        stale.publish(now - 120_000);
        gone.publish(now - 660_000);

        // a reader starting now: the stream's tail, then the hash in HSCAN pages
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        HealthMatrix m = reader(meters, Duration.ofMinutes(5));
        refresh(m);
        assertThat(m.resyncs()).isEqualTo(1);
        HealthMatrix.Matrix matrix = m.current();
        assertThat(targetsIn(matrix)).isEqualTo(TARGETS);
        HealthMatrix.TargetHealth first = m.health(key(0));
        assertThat(first.gateways()).isEqualTo(2);
        assertThat(first.breaker()).isEqualTo("CLOSED");
        assertThat(first.status()).isEqualTo("healthy");
        // first reports of gateways counting for an hour are only baselines
        assertThat(first.requests()).isZero();
        assertThat(redis.hash(String.class).hexists(names.healthHash(), HealthReports.field("gw-gone", key(0)))).isFalse();
        assertThat(redis.hash(String.class).hexists(names.healthGateways(), "gw-gone")).isFalse();
        assertThat(redis.hash(String.class).hexists(names.healthHash(), HealthReports.field("gw-stale", key(0)))).isTrue();
        assertThat(redis.hash(String.class).hlen(names.healthHash())).isEqualTo(2L * TARGETS + 100);

        // the gauge bound: five gauges for each of the first 50 targets, the rest folded; three per provider count all
        assertThat(m.gaugedDeployments()).isEqualTo(MAX);
        assertThat(meters.find("nexus.provider.up").gauges()).hasSize(MAX);
        assertThat(meters.find("nexus.provider.deployments").gauges()).hasSize(3 * PROVIDERS.size());
        assertThat(meters.getMeters()).hasSize(5 * MAX + 1 + 3 * PROVIDERS.size());
        assertThat(meters.get("nexus.metrics.deployments.folded").counter().count()).isEqualTo(TARGETS - MAX);
        assertThat(allDeployments(meters)).isEqualTo(TARGETS);
        for (String p : PROVIDERS) {
            assertThat(deployments(meters, p, "healthy")).as(p).isEqualTo(targetsOf(p, TARGETS));
        }

        // a second publish: ten targets changed on gateway a, nothing on b (heartbeat only)
        for (int i = 0; i < 10; i++) {
            a.count(key(i * 1000), 3, 2, i == 5 ? 2 : 0);
        }
        long later = System.currentTimeMillis();
        assertThat(a.publish(later)).isEqualTo(1);
        assertThat(b.publish(later)).isZero();
        Map<String, String> entry = lastEntries(1).get(0);
        assertThat(entry).hasSize(3 + 10).containsEntry(HealthReports.GATEWAY, "gw-a");
        refresh(m);
        assertThat(m.resyncs()).isEqualTo(1);
        HealthMatrix.TargetHealth changed = m.health(key(1000));
        assertThat(changed.requests()).isEqualTo(5);
        assertThat(changed.failures()).isEqualTo(2);
        assertThat(changed.status()).isEqualTo("healthy");
        HealthMatrix.TargetHealth open = m.health(key(5000));
        assertThat(open.breaker()).isEqualTo("OPEN");
        assertThat(open.gatewaysWithBreakerOpen()).isEqualTo(1);
        assertThat(open.status()).isEqualTo("degraded");
        assertThat(m.health(key(1001)).requests()).isZero();
        assertThat(m.current().providers().get("p" + (1_000_000 + 5000) % 3)).filteredOn(t -> t.target().equals(key(5000)))
                .singleElement().extracting(HealthMatrix.TargetHealth::breaker).isEqualTo("OPEN");

        // a reader starting late gets the same state from the hash
        HealthMatrix late = reader(new SimpleMeterRegistry(), Duration.ofMinutes(5));
        refresh(late);
        assertThat(targetsIn(late.current())).isEqualTo(TARGETS);
        assertThat(late.health(key(5000)).breaker()).isEqualTo("OPEN");
        assertThat(late.health(key(5000)).gateways()).isEqualTo(2);
        assertThat(late.health(key(0)).gateways()).isEqualTo(2);

        // the stream is trimmed past the first reader: gateway a's sequence jumps, the reader reads the hash again
        a.count(key(7), 4, 0, 0);
        a.publish(System.currentTimeMillis());
        a.count(key(8), 0, 6, 2);
        a.publish(System.currentTimeMillis());
        redis.stream(String.class).xtrim(names.healthStream(), new io.quarkus.redis.datasource.stream.XTrimArgs().maxlen(0));
        a.count(key(9), 1, 0, 0);
        a.publish(System.currentTimeMillis());
        refresh(m);
        assertThat(m.resyncs()).isEqualTo(2);
        assertThat(m.health(key(7)).requests()).isEqualTo(4);
        assertThat(m.health(key(8)).breaker()).isEqualTo("OPEN");
        assertThat(m.health(key(8)).failures()).isEqualTo(6);
        assertThat(m.health(key(9)).requests()).isEqualTo(1);
        assertThat(m.health(key(1000)).requests()).isEqualTo(5);
        // the late reader follows the same trimmed stream: it too sees the gap
        refresh(late);
        assertThat(late.resyncs()).isEqualTo(2);
        assertThat(late.health(key(8)).breaker()).isEqualTo("OPEN");
        assertThat(meters.getMeters()).hasSize(5 * MAX + 1 + 3 * PROVIDERS.size());
        assertThat(allDeployments(meters)).isEqualTo(TARGETS);
    }

    @Test
    void perProviderCountsSeeEveryTargetPastTheBoundAndATargetTurningDownMovesOneCount() throws Exception {
        int n = 1_000;
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        HealthMatrix m = reader(meters, Duration.ofMinutes(5));
        refresh(m); // from the stream's tail: the reader then takes targets in the order gateways publish them
        Gateway a = new Gateway("gw-a");
        Gateway b = new Gateway("gw-b");
        for (int i = 0; i < n; i++) {
            a.count(key(i), 5, 0, 0);
            b.count(key(i), 5, 0, 0);
        }
        a.publish(System.currentTimeMillis());
        b.publish(System.currentTimeMillis());
        refresh(m);
        assertThat(m.targets()).isEqualTo(n);
        assertThat(m.gaugedDeployments()).isEqualTo(MAX);
        assertThat(meters.get("nexus.metrics.deployments.folded").counter().count()).isEqualTo(n - MAX);
        assertThat(meters.find("nexus.provider.deployments").gauges()).hasSize(3 * PROVIDERS.size());
        for (String p : PROVIDERS) {
            assertThat(deployments(meters, p, "healthy")).as(p).isEqualTo(targetsOf(p, n));
            assertThat(deployments(meters, p, "degraded")).as(p).isZero();
            assertThat(deployments(meters, p, "down")).as(p).isZero();
        }
        assertThat(allDeployments(meters)).isEqualTo(n);

        // the last target published is past the bound: no nexus_provider_up of its own, yet its provider's counts move
        String past = key(n - 1);
        String provider = provider(past);
        assertThat(meters.find("nexus.provider.up").tag("deployment", past).gauge()).isNull();
        a.count(past, 0, 5, 2);
        a.publish(System.currentTimeMillis());
        refresh(m);
        assertThat(m.health(past).status()).isEqualTo("degraded");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(deployments(meters, provider, "healthy")).isEqualTo(targetsOf(provider, n) - 1);
            assertThat(deployments(meters, provider, "degraded")).isEqualTo(1);
        });
        // both gateways keep its breaker open: down, one count moved from degraded to down
        b.count(past, 0, 5, 2);
        b.publish(System.currentTimeMillis());
        refresh(m);
        assertThat(m.health(past).status()).isEqualTo("down");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(deployments(meters, provider, "down")).isEqualTo(1);
            assertThat(deployments(meters, provider, "degraded")).isZero();
        });
        assertThat(deployments(meters, provider, "healthy")).isEqualTo(targetsOf(provider, n) - 1);
        for (String p : PROVIDERS) {
            if (!p.equals(provider)) {
                assertThat(deployments(meters, p, "healthy")).as(p).isEqualTo(targetsOf(p, n));
                assertThat(deployments(meters, p, "down")).as(p).isZero();
            }
        }
        assertThat(allDeployments(meters)).isEqualTo(n);

        // a scrape reads every gauge: the matrix is built at most once for all of them, however often they are read
        long builds = m.builds();
        for (int scrape = 0; scrape < 20; scrape++) {
            allDeployments(meters);
        }
        assertThat(m.builds() - builds).isLessThanOrEqualTo(1);
    }

    @Test
    void anIdleTargetCountsNothingOnceTheWindowHasPassed() throws Exception {
        Gateway a = new Gateway("gw-window");
        a.count(key(1), 10, 0, 0);
        a.count(key(2), 10, 0, 0);
        a.publish(System.currentTimeMillis());
        HealthMatrix m = reader(new SimpleMeterRegistry(), Duration.ofSeconds(4));
        refresh(m);
        assertThat(m.health(key(1)).requests()).isZero();

        a.count(key(1), 3, 1, 0);
        a.publish(System.currentTimeMillis());
        refresh(m);
        assertThat(m.health(key(1)).requests()).isEqualTo(4);
        assertThat(m.health(key(1)).failures()).isEqualTo(1);
        assertThat(m.resyncs()).isEqualTo(1);
        // no further change: once the window has passed, nothing is counted, while the gateway's heartbeat keeps it live
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            a.publish(System.currentTimeMillis());
            refresh(m);
            assertThat(m.health(key(1)).requests()).isZero();
        });
        assertThat(m.health(key(1)).gateways()).isEqualTo(1);
        assertThat(m.health(key(1)).failures()).isZero();
    }
}
