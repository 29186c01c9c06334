package io.nexusai.gateway.snapshot;

import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A route delta applied to a table gives the table compiled from the whole snapshot, sharing what did not change. */
class RouteTableDeltaTest {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("route-table-delta-test-master-secret-0123456789", Duration.ofHours(1));
    static final EnvelopeCipher OTHER = new EnvelopeCipher("another-master-secret-the-gateway-does-not-have-0123", Duration.ofHours(1));

    static Deployment deployment(long id, long provider, String endpoint, String envelope, int weight, Map<String, Integer> regions) {
        return new Deployment(id, provider, "provider-" + provider, ProviderKind.OPENAI, endpoint, envelope, "gpt-4o", weight, 60,
                null, regions, 1, BigDecimal.ONE, Map.of(), null);
    }

    static RouteEntry entry(String alias, Deployment... deployments) {
        return new RouteEntry(alias, 1_700_000_000L, List.of(deployments), null);
    }

    @Test
    void aDeltaAppliedGivesTheTableOfTheWholeSnapshotAndSharesUnchangedAliases() {
        String key1 = CIPHER.encrypt("sk-provider-1");
        String key2 = CIPHER.encrypt("sk-provider-2");
        Map<String, RouteEntry> before = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            before.put("alias-" + i, entry("alias-" + i, deployment(i, 1, "https://one.test/v1", key1, 100, Map.of())));
        }
        before.put("regional", entry("regional", deployment(100, 2, "https://{region}.two.test", key2, 90, Map.of("eu", 1, "us", 2))));
        before.put("leaving", entry("leaving", deployment(101, 2, "https://two.test", key2, 10, Map.of())));
        before.put("undecryptable-later", entry("undecryptable-later", deployment(102, 1, "https://one.test/v1", key1, 10, Map.of())));
        RouteTable table = RouteTable.compile(new RouteSnapshot(7, Instant.EPOCH, before), CIPHER);

        // provider 1's key rotated on three aliases, a policy change, a new alias, one removed, one whose key no longer decrypts
        String rotated = CIPHER.encrypt("sk-provider-1-rotated");
        Map<String, RouteEntry> changed = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            changed.put("alias-" + i, entry("alias-" + i, deployment(i, 1, "https://one.test/v1", rotated, 100, Map.of())));
        }
        changed.put("regional", new RouteEntry("regional", 1_700_000_000L, before.get("regional").deployments(),
                new AliasPolicy("latency", 2, 1000, 2000, 3000, 4000)));
        changed.put("new", entry("new", deployment(200, 2, "https://two.test", key2, 5, Map.of()),
                deployment(201, 1, "https://one.test/v1", rotated, 5, Map.of())));
        changed.put("undecryptable-later", entry("undecryptable-later",
                deployment(102, 1, "https://one.test/v1", OTHER.encrypt("sk-elsewhere"), 10, Map.of())));
        RouteDelta delta = new RouteDelta(false, 7, 9, Instant.EPOCH.plusSeconds(9), changed, List.of("leaving"));

        RouteTable applied = table.apply(delta, CIPHER);

        Map<String, RouteEntry> after = new HashMap<>(before);
        after.remove("leaving");
        after.putAll(changed);
        RouteTable whole = RouteTable.compile(new RouteSnapshot(9, Instant.EPOCH.plusSeconds(9), after), CIPHER);
        assertThat(applied.version()).isEqualTo(9);
        assertThat(applied.snapshot()).isEqualTo(whole.snapshot());
        assertThat(describe(applied)).isEqualTo(describe(whole));
        assertThat(applied.route("leaving")).isNull();
        assertThat(applied.route("undecryptable-later")).as("its only deployment no longer decrypts").isNull();
        assertThat(applied.route("alias-0").targets().getFirst().apiKey()).isEqualTo("sk-provider-1-rotated");
        assertThat(applied.route("regional").targets()).hasSize(2);

        // copy on write: the old table is untouched, unchanged aliases keep their compiled route
        assertThat(table.version()).isEqualTo(7);
        assertThat(table.route("leaving")).isNotNull();
        assertThat(table.route("alias-0").targets().getFirst().apiKey()).isEqualTo("sk-provider-1");
        for (int i = 3; i < 50; i++) {
            assertThat(applied.route("alias-" + i)).isSameAs(table.route("alias-" + i));
            assertThat(applied.snapshot().routes().get("alias-" + i)).isSameAs(table.snapshot().routes().get("alias-" + i));
        }
    }

    @Test
    void aDeltaFromAnotherVersionOrAWholeTableIsNotApplied() {
        RouteTable table = RouteTable.compile(new RouteSnapshot(7, Instant.EPOCH, Map.of()), CIPHER);
        assertThatThrownBy(() -> table.apply(new RouteDelta(false, 6, 9, Instant.EPOCH, Map.of(), List.of()), CIPHER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> table.apply(new RouteDelta(true, 7, 9, Instant.EPOCH, Map.of(), List.of()), CIPHER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(table.apply(new RouteDelta(false, 7, 8, Instant.EPOCH, Map.of(), List.of("absent")), CIPHER).version()).isEqualTo(8);
    }

    /** Everything a compiled table serves, per alias, in plain values (targets are compared by what they hold). */
    static Map<String, List<String>> describe(RouteTable table) {
        Map<String, List<String>> out = new HashMap<>();
        for (RouteTable.Route route : table.routes()) {
            out.put(route.alias(), route.targets().stream().map(t -> route.created() + " " + route.policy() + " " + t.key() + " "
                    + t.deployment() + " " + t.weight() + " " + t.apiKey()).toList());
        }
        return out;
    }
}
