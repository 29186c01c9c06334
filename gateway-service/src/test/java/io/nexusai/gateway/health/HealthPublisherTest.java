package io.nexusai.gateway.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.events.RedisNames;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.HealthReports;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.testsupport.RedisProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's health reports in a real Redis: only changed targets are published (one stream entry, a field per
 * changed target), removed targets once, a heartbeat always; and the breaker gauges stay within
 * {@code nexus.metrics.max-deployments}, the rest counted as folded and in the per-provider state counts.
 */
class HealthPublisherTest {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("health-test-master-secret-0123456789", Duration.ofHours(1));
    static final int TARGETS = 300;
    static final int MAX = 200;

    final Vertx vertx = Vertx.vertx();
    final Redis redis = Redis.createClient(vertx, RedisProvider.shared().url());
    final RedisNames names = new RedisNames("hp-" + UUID.randomUUID());
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final HealthRegistry registry = new HealthRegistry(settings(), meters, MAX);
    final AtomicReference<RouteTable> table = new AtomicReference<>(table(0, TARGETS));
    final HealthPublisher publisher = new HealthPublisher(registry, table::get, redis, new ObjectMapper(), vertx, names, "gw-test",
            Duration.ofHours(1), 1000);

    @AfterEach
    void close() throws Exception {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static RouteTable table(int from, int to) {
        Map<String, RouteEntry> routes = new LinkedHashMap<>();
        for (int i = from; i < to; i++) {
            Deployment d = new Deployment(1000 + i, 1, "openai", ProviderKind.OPENAI, "http://127.0.0.1:9/v1", CIPHER.encrypt("sk-test"),
                    "m" + i, 1, 0, null, Map.of(), 0, BigDecimal.ONE, Map.of(), null);
            routes.put("alias-" + i, new RouteEntry("alias-" + i, 0, List.of(d), AliasPolicy.DEFAULT));
        }
        return RouteTable.compile(new RouteSnapshot(1000L * from + to, Instant.now(), routes), CIPHER);
    }

    static HealthRegistry.Settings settings() {
        return new HealthRegistry.Settings() {
            public int breakerRequestVolume() {
                return 4;
            }

            public double breakerFailureRatio() {
                return 0.5;
            }

            public Duration breakerDelay() {
                return Duration.ofMinutes(5);
            }

            public int breakerSuccessThreshold() {
                return 1;
            }

            public double localRateLimitShare() {
                return 1.0;
            }
        };
    }

    Target target(int i) {
        return table.get().route("alias-" + i).targets().get(0);
    }

    <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    Response send(Request r) throws Exception {
        return await(redis.send(r));
    }

    /** The stream's entries as field maps, oldest first. */
    List<Map<String, String>> entries() throws Exception {
        Response r = send(Request.cmd(Command.XRANGE).arg(names.healthStream()).arg("-").arg("+"));
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

    static void openBreaker(TargetHealth h) {
        for (int i = 0; i < 4; i++) {
            h.release(h.acquire(), true);
        }
    }

    @Test
    void onlyChangedTargetsArePublishedAndBreakerGaugesStayWithinTheBound() throws Exception {
        for (int i = 0; i < TARGETS; i++) {
            TargetHealth h = registry.of(target(i));
            if (i % 2 == 0) {
                h.succeeded(5_000_000);
            }
        }
        openBreaker(registry.of(target(7)));
        assertThat(registry.of(target(7)).breakerState().name()).isEqualTo("OPEN");

        // the breaker gauge bound: the first 200 targets have one, the other 100 are counted as folded
        assertThat(meters.find("nexus.circuit.breaker.state").gauges()).hasSize(MAX);
        assertThat(registry.gaugedDeployments()).isEqualTo(MAX);
        assertThat(meters.get("nexus.metrics.deployments.folded").counter().count()).isEqualTo(TARGETS - MAX);
        // a target used again is not counted twice
        registry.of(target(TARGETS - 1)).succeeded(1_000_000);
        assertThat(meters.get("nexus.metrics.deployments.folded").counter().count()).isEqualTo(TARGETS - MAX);
        // per provider and state, whatever the bound
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "open").gauge().value()).isEqualTo(1);
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "closed").gauge().value())
                .isEqualTo(TARGETS - 1);
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "half_open").gauge().value()).isZero();
        assertThat(meters.getMeters()).hasSize(MAX + 3 + 1);

        // first publish: every target, in entries of at most 250 reports, the latest of each in the hash
        await(publisher.publish());
        List<Map<String, String>> entries = entries();
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0)).hasSize(3 + HealthPublisher.REPORTS_PER_ENTRY);
        assertThat(entries.get(1)).hasSize(3 + TARGETS - HealthPublisher.REPORTS_PER_ENTRY);
        assertThat(entries.get(1)).containsEntry(HealthReports.SEQ, "2").containsEntry(HealthReports.GATEWAY, "gw-test");
        assertThat(send(Request.cmd(Command.HLEN).arg(names.healthHash())).toInteger()).isEqualTo(TARGETS);
        String json = send(Request.cmd(Command.HGET).arg(names.healthHash()).arg(HealthReports.field("gw-test", target(7).key()))).toString();
        TargetReport seven = new ObjectMapper().readValue(json, TargetReport.class);
        assertThat(seven.breaker()).isEqualTo("OPEN");
        assertThat(seven.successes() + seven.failures()).isZero(); // breaker attempts are not report counts
        assertThat(seven.deploymentId()).isEqualTo(1007);
        assertThat(seven.provider()).isEqualTo("openai");
        String beat = send(Request.cmd(Command.HGET).arg(names.healthGateways()).arg("gw-test")).toString();
        assertThat(HealthReports.heartbeatSeq(beat)).isEqualTo(2);

        // three targets change: the next publish is one entry with only those three
        registry.of(target(3)).succeeded(1_000_000);
        registry.of(target(150)).failed(1_000_000);
        registry.of(target(299)).succeeded(1_000_000);
        await(publisher.publish());
        entries = entries();
        assertThat(entries).hasSize(3);
        Map<String, String> last = entries.get(2);
        assertThat(last).hasSize(3 + 3).containsKeys(target(3).key(), target(150).key(), target(299).key())
                .containsEntry(HealthReports.SEQ, "3");

        // nothing changed: no entry, only the heartbeat
        long before = HealthReports.heartbeatAt(beat);
        Thread.sleep(5);
        await(publisher.publish());
        assertThat(entries()).hasSize(3);
        beat = send(Request.cmd(Command.HGET).arg(names.healthGateways()).arg("gw-test")).toString();
        assertThat(HealthReports.heartbeatAt(beat)).isGreaterThan(before);
        assertThat(HealthReports.heartbeatSeq(beat)).isEqualTo(3);

        // alias-0 leaves the route table: reported removed once, its field deleted
        publisher.sweepAfterChangeMs = 0;
        table.set(table(1, TARGETS));
        await(publisher.publish());
        entries = entries();
        assertThat(entries).hasSize(4);
        assertThat(entries.get(3)).hasSize(3 + 1).containsEntry("1000", HealthReports.REMOVED);
        assertThat(send(Request.cmd(Command.HEXISTS).arg(names.healthHash()).arg(HealthReports.field("gw-test", "1000"))).toInteger())
                .isZero();
        await(publisher.publish());
        assertThat(entries()).hasSize(4);
    }

    @Test
    void targetsOutOfTheTableAreEvictedAfterTheRetentionAndStartAnewWhenBack() throws Exception {
        publisher.sweepAfterChangeMs = 0;
        publisher.retiredRetentionMs = 60_000;
        List<Target> all = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            all.add(target(i));
            registry.of(all.get(i)).succeeded(1_000_000);
        }
        TargetHealth zero = registry.of(all.get(0));
        openBreaker(zero);
        await(publisher.publish());
        assertThat(registry.size()).isEqualTo(TARGETS);
        assertThat(registry.gaugedDeployments()).isEqualTo(MAX);

        // the first 100 leave the table: reported removed, still held while the retention runs
        table.set(table(100, TARGETS));
        await(publisher.publish());
        assertThat(entries().getLast()).hasSize(3 + 100).containsEntry(all.get(0).key(), HealthReports.REMOVED);
        table.set(table(100, TARGETS + 1)); // a new table: the next publish looks for absent targets again
        await(publisher.publish());
        assertThat(registry.size()).isEqualTo(TARGETS);
        assertThat(registry.get(all.get(0).key())).isSameAs(zero);

        // retention over: evicted, with their breaker counts and gauges
        publisher.retiredRetentionMs = 0;
        table.set(table(100, TARGETS + 2));
        await(publisher.publish());
        assertThat(registry.size()).isEqualTo(TARGETS - 100);
        assertThat(registry.get(all.get(0).key())).isNull();
        assertThat(registry.get(all.get(100).key())).isNotNull();
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "open").gauge().value()).isZero();
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "closed").gauge().value())
                .isEqualTo(TARGETS - 100);
        assertThat(meters.find("nexus.circuit.breaker.state").tag("deployment", all.get(0).key()).gauges()).isEmpty();
        assertThat(meters.find("nexus.circuit.breaker.state").gauges()).hasSize(MAX - 100);
        assertThat(registry.gaugedDeployments()).isEqualTo(MAX - 100);
        // the hash no longer has them; a later sweep has nothing more to say about them
        assertThat(send(Request.cmd(Command.HLEN).arg(names.healthHash())).toInteger()).isEqualTo(TARGETS - 100);
        int entriesBefore = entries().size();
        table.set(table(100, TARGETS + 3));
        await(publisher.publish());
        assertThat(entries()).hasSize(entriesBefore);

        // a new target takes a freed gauge; a target back after its eviction starts anew (breaker closed, no counts)
        Target fresh = table.get().route("alias-" + TARGETS).targets().get(0);
        registry.of(fresh);
        assertThat(meters.find("nexus.circuit.breaker.state").tag("deployment", fresh.key()).gauges()).hasSize(1);
        table.set(table(0, TARGETS + 3));
        TargetHealth back = registry.of(target(0));
        assertThat(back).isNotSameAs(zero);
        assertThat(back.breakerState().name()).isEqualTo("CLOSED");
        assertThat(back.successes() + back.failures()).isZero();
        assertThat(meters.get("nexus.circuit.breakers").tags("provider", "openai", "state", "closed").gauge().value())
                .isEqualTo(TARGETS - 100 + 2);
    }

    /** The targets reported in the stream entries after the first {@code from}. */
    Set<String> reportedAfter(int from) throws Exception {
        List<Map<String, String>> all = entries();
        Set<String> out = new HashSet<>();
        for (Map<String, String> e : all.subList(from, all.size())) {
            e.keySet().stream().filter(k -> !k.equals(HealthReports.GATEWAY) && !k.equals(HealthReports.SEQ)
                    && !k.equals(HealthReports.AT)).forEach(out::add);
        }
        return out;
    }

    @Test
    void successOnlyChangesAreBoundedPerPublishLongestUnreportedFirstAndBreakerChangesAndFailuresAlwaysGo() throws Exception {
        publisher.maxCountReports = 100;
        for (int i = 0; i < TARGETS; i++) {
            registry.of(target(i)).succeeded(1_000_000);
        }
        openBreaker(registry.of(target(250)));

        // 300 targets changed: 100 reported a publish (the breaker change besides them) until each was once
        List<Set<String>> rounds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            int before = entries().size();
            await(publisher.publish());
            rounds.add(reportedAfter(before));
            Thread.sleep(3); // publishes at distinct milliseconds: "longest unreported" is then unambiguous
        }
        assertThat(rounds.get(0)).hasSize(101).contains(target(250).key());
        assertThat(rounds.get(1)).hasSize(100).doesNotContainAnyElementsOf(rounds.get(0));
        assertThat(rounds.get(2)).hasSize(99).doesNotContainAnyElementsOf(rounds.get(0)).doesNotContainAnyElementsOf(rounds.get(1));
        assertThat(send(Request.cmd(Command.HLEN).arg(names.healthHash())).toInteger()).isEqualTo(TARGETS);
        int before = entries().size();
        await(publisher.publish());
        assertThat(entries()).hasSize(before); // every change reported: a quiet publish

        // all change again, and a target of the last round opens its breaker: the breaker change goes at once, and
        // of the others those reported longest ago (the first round's)
        for (int i = 0; i < TARGETS; i++) {
            registry.of(target(i)).succeeded(2_000_000);
        }
        int latest = -1;
        for (int i = 0; i < TARGETS && latest < 0; i++) {
            if (rounds.get(2).contains(target(i).key())) {
                latest = i;
            }
        }
        openBreaker(registry.of(target(latest)));
        before = entries().size();
        await(publisher.publish());
        Set<String> fourth = reportedAfter(before);
        assertThat(fourth).hasSize(101).contains(target(latest).key());
        Set<String> counted = new HashSet<>(fourth);
        counted.remove(target(latest).key());
        assertThat(rounds.get(0)).containsAll(counted);
        String json = send(Request.cmd(Command.HGET).arg(names.healthHash()).arg(HealthReports.field("gw-test", target(latest).key()))).toString();
        assertThat(new ObjectMapper().readValue(json, TargetReport.class).breaker()).isEqualTo("OPEN");

        // a new failure is news too: it goes at once, past the bound, while successes wait their turn
        int failing = -1;
        for (int i = 0; i < TARGETS && failing < 0; i++) {
            if (rounds.get(2).contains(target(i).key()) && i != latest) {
                failing = i;
            }
        }
        registry.of(target(failing)).failed(3_000_000);
        before = entries().size();
        await(publisher.publish());
        Set<String> fifth = reportedAfter(before);
        assertThat(fifth).hasSize(101).contains(target(failing).key());
        json = send(Request.cmd(Command.HGET).arg(names.healthHash()).arg(HealthReports.field("gw-test", target(failing).key()))).toString();
        assertThat(new ObjectMapper().readValue(json, TargetReport.class).failures()).isEqualTo(1);
    }
}
