package io.nexusai.gateway.snapshot;

import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.service.events.ConfigResync;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import io.nexusai.gateway.usage.GatewayMetrics;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's route table kept current by deltas: a change event pulls only the changes since its version, a
 * resync and a gap pull the whole table, a failed pull keeps the last good table, and a delta that does not start at
 * the table's version is not applied (the whole table is pulled instead). Against {@link FakeRoutingService}.
 */
@QuarkusTest
@WithTestResource(FakeRoutingService.class)
@WithTestResource(RedisTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // one fake routing-service: the versions of each test follow the last
class RouteSnapshotStoreTest {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("test-only-db-encryption-key-0123456789abcdef", Duration.ofHours(1));

    @Inject
    RouteSnapshotStore store;
    @Inject
    Event<ConfigChange> changes;
    @Inject
    Event<ConfigResync> resyncs;
    @Inject
    MeterRegistry registry;
    @Inject
    GatewayMetrics metrics;
    /** How many requests routing-service had seen before the step under test. */
    int mark;

    static RouteEntry entry(String alias, long id, String key) {
        return new RouteEntry(alias, 1_700_000_000L, List.of(new Deployment(id, 1, "p", ProviderKind.OPENAI, "https://p.test/v1",
                CIPHER.encrypt(key), "gpt-4o", 100, 0, null, Map.of(), 1, BigDecimal.ONE, Map.of(), null)), null);
    }

    double pulls(String kind) {
        return registry.get("nexus.snapshot.pulls").tag("kind", kind).counter().count();
    }

    /** Publishes a new table on the fake, sends a change event, and waits until the gateway holds that version. */
    void changeTo(long version, Map<String, RouteEntry> routes) {
        FakeRoutingService.publish(version, routes);
        changes.fire(new ConfigChange(ConfigChange.Kind.ROUTES, null, null, version));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.table() != null && store.table().version() == version);
    }

    List<String> requestsAfter(int mark) {
        return List.copyOf(FakeRoutingService.REQUESTS.subList(mark, FakeRoutingService.REQUESTS.size()));
    }

    List<String> requestsOfThisStep() {
        return requestsAfter(mark);
    }

    @Test
    @Order(1)
    void changeEventsPullDeltasAndResyncsGapsAndMisfitsPullTheWholeTable() {
        // the whole table at start, and again after the config-change subscription (its resync); nothing else asks
        await().atMost(Duration.ofSeconds(10)).until(() -> store.table() != null
                && FakeRoutingService.REQUESTS.stream().filter("/internal/v1/routes"::equals).count() >= 2);
        Map<String, RouteEntry> routes = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            routes.put("alias-" + i, entry("alias-" + i, i, "sk-" + i));
        }
        FakeRoutingService.publish(2, routes);
        resyncs.fire(new ConfigResync("test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.table().version() == 2);

        // a change event: only the delta since version 2; unchanged aliases keep their compiled route
        RouteTable.Route untouched = store.table().route("alias-5");
        mark = FakeRoutingService.REQUESTS.size();
        double deltas = pulls("delta");
        double fulls = pulls("full");
        routes.put("alias-0", entry("alias-0", 0, "sk-0-rotated"));
        routes.remove("alias-1");
        routes.put("alias-new", entry("alias-new", 100, "sk-new"));
        changeTo(3, routes);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes/changes?since=2");
        assertThat(pulls("delta")).isEqualTo(deltas + 1);
        assertThat(pulls("full")).isEqualTo(fulls);
        assertThat(store.table().route("alias-0").targets().getFirst().apiKey()).isEqualTo("sk-0-rotated");
        assertThat(store.table().route("alias-1")).isNull();
        assertThat(store.table().route("alias-new")).isNotNull();
        assertThat(store.table().route("alias-5")).isSameAs(untouched);
        assertThat(store.table().snapshot().routes()).isEqualTo(routes);

        // a failed pull keeps the last good table; the next event catches up with a delta from the same version
        mark = FakeRoutingService.REQUESTS.size();
        FakeRoutingService.failNext();
        changes.fire(new ConfigChange(ConfigChange.Kind.PROVIDERS, "1", null, 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> requestsOfThisStep().size() == 1);
        assertThat(store.table().version()).isEqualTo(3);
        routes.put("alias-2", entry("alias-2", 2, "sk-2-rotated"));
        changeTo(4, routes);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes/changes?since=3", "/internal/v1/routes/changes?since=3");

        // a gap: routing-service's log no longer reaches back to the gateway's version, it answers the whole table
        routes.put("alias-3", entry("alias-3", 3, "sk-3-rotated"));
        FakeRoutingService.publish(5, routes);
        FakeRoutingService.forgetHistory();
        mark = FakeRoutingService.REQUESTS.size();
        fulls = pulls("full");
        changeTo(5, routes);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes/changes?since=4");
        assertThat(pulls("full")).isEqualTo(fulls + 1);
        assertThat(store.table().snapshot().routes()).isEqualTo(routes);

        // a delta that does not start at the table's version is not applied: the whole table is pulled after it
        routes.remove("alias-4");
        mark = FakeRoutingService.REQUESTS.size();
        FakeRoutingService.rewriteNextDelta(d -> new RouteDelta(false, d.since() - 1, d.version(), d.generatedAt(), Map.of(), List.of()));
        changeTo(6, routes);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes/changes?since=5", "/internal/v1/routes");
        assertThat(store.table().snapshot().routes()).isEqualTo(routes);

        // the periodic resync pulls the changes since the table's version, not the whole table, and so catches up
        // with a change whose event was lost
        routes.put("alias-7", entry("alias-7", 7, "sk-7"));
        FakeRoutingService.publish(7, routes);
        mark = FakeRoutingService.REQUESTS.size();
        fulls = pulls("full");
        store.periodic();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.table().version() == 7);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes/changes?since=6");
        assertThat(pulls("full")).isEqualTo(fulls);
        assertThat(store.table().snapshot().routes()).isEqualTo(routes);

        // a resync pulls the whole table
        mark = FakeRoutingService.REQUESTS.size();
        resyncs.fire(new ConfigResync("test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> requestsOfThisStep().size() == 1);
        assertThat(requestsOfThisStep()).containsExactly("/internal/v1/routes");
    }

    @Test
    @Order(2)
    void theRequestMetricsForgetFoldedAliasesOnceTheTableNoLongerHasThem() {
        await().atMost(Duration.ofSeconds(10)).until(() -> store.table() != null);
        store.foldedSweepEveryMs = 0;
        long version = store.table().version();
        Map<String, RouteEntry> routes = new HashMap<>(store.table().snapshot().routes());
        for (int i = 0; i < 10; i++) {
            routes.put("kept-" + i, entry("kept-" + i, 1000 + i, "sk-k" + i));
            routes.put("dropped-" + i, entry("dropped-" + i, 2000 + i, "sk-d" + i));
        }
        changeTo(version + 1, routes);
        // every label taken, as on a gateway that has served more aliases than nexus.metrics.max-aliases
        assertThat(metrics.alias("labelled-0").label()).isEqualTo("labelled-0");
        for (int i = 1; metrics.labelledAliases() < GatewayMetrics.DEFAULT_MAX_ALIASES; i++) {
            metrics.alias("labelled-" + i);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(metrics.alias("kept-" + i).label()).isEqualTo(GatewayMetrics.OTHER);
            assertThat(metrics.alias("dropped-" + i).label()).isEqualTo(GatewayMetrics.OTHER);
        }
        double folded = registry.get("nexus.metrics.aliases.folded").counter().count();

        for (int i = 0; i < 10; i++) {
            routes.remove("dropped-" + i);
        }
        changeTo(version + 2, routes);
        await().atMost(Duration.ofSeconds(10)).until(() -> !metrics.holds("dropped-9"));
        for (int i = 0; i < 10; i++) {
            assertThat(metrics.holds("dropped-" + i)).isFalse();
            assertThat(metrics.holds("kept-" + i)).as("folded and still configured").isTrue();
        }
        assertThat(metrics.holds("labelled-0")).as("a labelled alias keeps its label").isTrue();
        assertThat(metrics.labelledAliases()).isEqualTo(GatewayMetrics.DEFAULT_MAX_ALIASES);
        assertThat(registry.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(folded);

        // configured again and used again: folded again, and counted again
        routes.put("dropped-0", entry("dropped-0", 2000, "sk-d0"));
        changeTo(version + 3, routes);
        assertThat(metrics.alias("dropped-0").label()).isEqualTo(GatewayMetrics.OTHER);
        assertThat(registry.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(folded + 1);
    }
}
