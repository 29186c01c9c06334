package io.nexusai.gateway.snapshot;

import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.service.events.ConfigResync;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A catalogue of 20,000 aliases through the gateway's real pull path (HTTP, the streaming parser, the incremental
 * build): the table is complete, what it retains per alias is bounded (heap after GC, measured loosely: a generous
 * bound, no timing), the bytes received are counted, each provider's key is decrypted once and shared, and a whole
 * pull of the unchanged table keeps the objects of the table already served.
 */
@QuarkusTest
@TestProfile(RouteCataloguePullTest.Own.class)
@WithTestResource(FakeRoutingService.class)
@WithTestResource(RedisTestResource.class)
class RouteCataloguePullTest {
    static final int ALIASES = 20_000;
    static final int PROVIDERS = 5;
    /** Generous: the compiled table measured ~0.5 KB per single-deployment alias when this was written. */
    static final long BOUND_PER_ALIAS = 2_048;

    /** Its own application: the store's state must not be shared with RouteSnapshotStoreTest. */
    public static class Own implements QuarkusTestProfile {
    }

    @Inject
    RouteSnapshotStore store;
    @Inject
    Event<ConfigResync> resyncs;
    @Inject
    MeterRegistry registry;

    @Test
    void aCatalogueIsPulledWholeAndRetainsABoundedSizePerAlias() {
        await().atMost(Duration.ofSeconds(20)).until(() -> store.table() != null);
        String[] keys = new String[PROVIDERS];
        for (int p = 0; p < PROVIDERS; p++) {
            keys[p] = RouteSnapshotStoreTest.CIPHER.encrypt("sk-provider-" + p);
        }
        Deployment.Price price = new Deployment.Price(new BigDecimal("0.15"), new BigDecimal("0.60"), "USD");
        Map<String, RouteEntry> routes = new HashMap<>();
        for (int i = 0; i < ALIASES; i++) {
            String alias = String.format("cat-alias-%06d", i);
            int p = i % PROVIDERS;
            routes.put(alias, new RouteEntry(alias, 1_765_000_000L, List.of(new Deployment(100_000 + i, p + 1, "provider-" + p, ProviderKind.OPENAI,
                    "https://p" + p + ".test/v1", keys[p], "gpt-4o-mini", 100, 0, null, Map.of(), 1, BigDecimal.ONE, Map.of(), price)), null));
        }
        FakeRoutingService.publish(1_000, routes);
        double bytesBefore = registry.get("nexus.snapshot.bytes").tag("kind", "full").counter().count();
        long before = liveHeap();

        resyncs.fire(new ConfigResync("test"));
        await().atMost(Duration.ofSeconds(60)).until(() -> store.table().version() == 1_000);
        RouteTable table = store.table();
        long after = liveHeap();

        assertThat(table.size()).isEqualTo(ALIASES);
        assertThat(table.snapshot().routes()).isEqualTo(routes);
        for (int i = 0; i < ALIASES; i += 997) {
            RouteTable.Route route = table.route(String.format("cat-alias-%06d", i));
            assertThat(route.targets()).hasSize(1);
            assertThat(route.targets().getFirst().apiKey()).isEqualTo("sk-provider-" + i % PROVIDERS);
        }
        // one plaintext key and one endpoint per provider, shared by every alias of it
        RouteTable.Route a = table.route("cat-alias-000000");
        RouteTable.Route b = table.route("cat-alias-000005");
        assertThat(b.targets().getFirst().apiKey()).isSameAs(a.targets().getFirst().apiKey());
        assertThat(b.targets().getFirst().deployment().endpoint()).isSameAs(a.targets().getFirst().deployment().endpoint());
        assertThat(b.targets().getFirst().deployment().price()).isSameAs(a.targets().getFirst().deployment().price());

        double received = registry.get("nexus.snapshot.bytes").tag("kind", "full").counter().count() - bytesBefore;
        assertThat(received).as("bytes of the whole table").isGreaterThan(ALIASES * 100.0).isLessThan(ALIASES * 250.0);
        long perAlias = (after - before) / ALIASES;
        System.out.printf("route table: %d aliases, %.0f bytes received (%.0f per alias), heap after GC +%d bytes (%d per alias)%n",
                ALIASES, received, received / ALIASES, after - before, perAlias);
        assertThat(perAlias).as("heap retained per alias (after GC)").isLessThan(BOUND_PER_ALIAS);

        // a whole pull of the same table: every alias keeps the entry and compiled route already served
        FakeRoutingService.publish(1_001, routes);
        resyncs.fire(new ConfigResync("test"));
        await().atMost(Duration.ofSeconds(60)).until(() -> store.table().version() == 1_001);
        assertThat(store.table().route("cat-alias-000042")).isSameAs(table.route("cat-alias-000042"));
        assertThat(store.table().snapshot().routes().get("cat-alias-000042")).isSameAs(table.snapshot().routes().get("cat-alias-000042"));
    }

    /** Heap in use after full collections (the table under test is the only large thing that changes). */
    private static long liveHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
