package io.nexusai.routing;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Route deltas against real PostgreSQL: admin-style writes (each its own transaction with the config-version
 * increment, as admin-service's ConfigWriter commits them) on aliases, providers, deployments and prices; the
 * changes since an earlier snapshot applied to it must give exactly the snapshot taken after them.
 */
@QuarkusTest
@TestProfile(RouteDeltaTest.OwnDatabase.class)
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class RouteDeltaTest {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher(RouteSnapshotTest.DB_KEY, Duration.ofHours(1));

    /** Its own application and database: RouteSnapshotTest counts every alias of its database. */
    public static class OwnDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.routing.delta-max-aliases", "" + DELTA_MAX_ALIASES);
        }
    }

    /** A bound small enough to cross with a few writes (the default is 10,000). */
    static final int DELTA_MAX_ALIASES = 50;

    /** The table kept up to date by deltas only, one after every write. */
    private RouteSnapshot stepped;

    @Test
    void deltasAppliedToAnEarlierSnapshotGiveTheLaterSnapshotAndATooOldVersionGetsTheWholeTable() throws Exception {
        RouteSnapshot empty = full();
        write(provider(9001, "p-openai", "openai", "https://a.test/v1", "sk-a"),
                provider(9002, "p-azure", "azure", "https://b.test", "sk-b"));
        write("INSERT INTO model_routes (model_alias, provider_id, real_model_name) VALUES ('a-one', 9001, 'gpt-4o')",
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name, weight) VALUES ('a-two', 9001, 'gpt-4o-mini', 30)",
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name) VALUES ('a-two', 9002, 'gpt-4o-mini')",
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name) VALUES ('a-three', 9002, 'gpt-4.1')",
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name) VALUES ('a-four', 9001, 'deepseek-chat')",
                "INSERT INTO model_aliases (alias, strategy, max_attempts) VALUES ('a-two', 'latency', 2)");
        RouteSnapshot first = full();
        assertThat(first.routes()).containsOnlyKeys("a-one", "a-two", "a-three", "a-four");
        assertApplies(empty, first);
        stepped = first;

        List<RouteSnapshot> taken = new ArrayList<>(List.of(first));
        // a deployment's weight; an alias renamed; an alias policy changed, another added
        write("UPDATE model_routes SET weight = 70 WHERE model_alias = 'a-two' AND provider_id = 9001");
        taken.add(step());
        write("UPDATE model_routes SET model_alias = 'a-one-renamed' WHERE model_alias = 'a-one'",
                "UPDATE model_aliases SET max_attempts = 5 WHERE alias = 'a-two'",
                "INSERT INTO model_aliases (alias, strategy) VALUES ('a-three', 'latency')");
        taken.add(step());
        // a provider's endpoint and key (rotation) change every alias that routes to it
        write("UPDATE service_providers SET endpoint = 'https://a2.test/v1', api_key = '" + CIPHER.encrypt("sk-a-rotated") + "' WHERE id = 9001");
        taken.add(step());
        // disable a provider: a-three loses its only deployment, a-two keeps one; disable a deployment
        write("UPDATE service_providers SET is_active = false WHERE id = 9002",
                "UPDATE model_routes SET is_active = false WHERE model_alias = 'a-four'");
        taken.add(step());
        assertThat(taken.getLast().routes()).doesNotContainKeys("a-three", "a-four");
        // a price of a real model some aliases use; enable again
        write("UPDATE model_prices SET input_per_million = 9.99 WHERE model = 'gpt-4o-mini'");
        taken.add(step());
        write("UPDATE service_providers SET is_active = true WHERE id = 9002",
                "UPDATE model_routes SET is_active = true WHERE model_alias = 'a-four'");
        taken.add(step());
        // delete a deployment, an alias policy, and a whole provider (its routes go with it: ON DELETE CASCADE)
        write("DELETE FROM model_routes WHERE model_alias = 'a-four'", "DELETE FROM model_aliases WHERE alias = 'a-three'");
        taken.add(step());
        write("DELETE FROM service_providers WHERE id = 9002");
        taken.add(step());
        // a write of something routes do not use (a tenant): an empty delta to the new version
        write("INSERT INTO tenants (id, name) VALUES ('t-delta', 't')");
        RouteSnapshot last = step();
        taken.add(last);
        assertThat(last.routes()).containsOnlyKeys("a-one-renamed", "a-two");
        assertThat(last.routes().get("a-two").deployments()).hasSize(1);
        assertThat(last.routes().get("a-one-renamed").deployments().getFirst().endpoint()).isEqualTo("https://a2.test/v1");

        // from every snapshot taken, one delta to the last
        for (RouteSnapshot earlier : taken) {
            assertApplies(earlier, last);
        }
        assertThat(changes(last.version()).routes()).isEmpty();
        assertThat(changes(last.version() - 1).routes()).isEmpty();

        // keep only two versions of changes: an older version gets the whole table; one within the window a delta
        write("UPDATE config_version SET changes_kept = 2");
        write("UPDATE model_routes SET weight = 11 WHERE model_alias = 'a-two'");
        write("UPDATE model_routes SET weight = 12 WHERE model_alias = 'a-two'");
        RouteSnapshot now = full();
        RouteDelta old = changes(last.version());
        assertThat(old.full()).isTrue();
        assertThat(old.version()).isEqualTo(now.version());
        assertThat(old.routes()).isEqualTo(now.routes());
        assertThat(changes(now.version() - 2).full()).isFalse();
        assertApplies(new RouteSnapshot(now.version() - 1, now.generatedAt(), now.routes()), now);
        try (Connection c = ControlPlaneDbTestResource.fixtures().connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT min(version) FROM config_changes")) {
            r.next();
            assertThat(r.getLong(1)).isGreaterThan(now.version() - 2);
        }
        // a version newer than the database (a restored backup): the whole table
        assertThat(changes(now.version() + 5).full()).isTrue();
    }

    @Test
    void aBulkChangeOfMoreAliasesThanTheBoundIsAnsweredWithTheWholeTable() throws Exception {
        RouteSnapshot start = full();
        // a provider and as many aliases as the bound: still a delta
        write(provider(9101, "p-bulk", "openai", "https://bulk.test/v1", "sk-bulk"),
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name) SELECT 'bulk-' || g, 9101, 'gpt-4o' FROM generate_series(1, "
                        + DELTA_MAX_ALIASES + ") g");
        RouteSnapshot bound = full();
        assertThat(bound.routes().keySet().stream().filter(a -> a.startsWith("bulk-"))).hasSize(DELTA_MAX_ALIASES);
        assertApplies(start, bound);
        // one alias more than the bound (a bulk import): the whole table, at the new version
        write("INSERT INTO model_routes (model_alias, provider_id, real_model_name) SELECT 'bulk-' || g, 9101, 'gpt-4o-mini' FROM generate_series("
                + (DELTA_MAX_ALIASES + 1) + ", " + (2 * DELTA_MAX_ALIASES + 1) + ") g");
        RouteSnapshot imported = full();
        RouteDelta bulk = changes(bound.version());
        assertThat(bulk.full()).isTrue();
        assertThat(bulk.version()).isEqualTo(imported.version());
        assertThat(bulk.routes()).isEqualTo(imported.routes()).hasSize(bound.routes().size() + DELTA_MAX_ALIASES + 1);
        assertThat(apply(bound, bulk).routes()).isEqualTo(imported.routes());
        // deleting the provider removes every bulk alias (ON DELETE CASCADE): the whole table again, without them
        write("DELETE FROM service_providers WHERE id = 9101");
        RouteSnapshot deleted = full();
        RouteDelta removal = changes(imported.version());
        assertThat(removal.full()).isTrue();
        assertThat(removal.removed()).isEmpty();
        assertThat(removal.routes()).isEqualTo(deleted.routes()).isEqualTo(start.routes());
        // a change within the bound is a delta again
        write(provider(9102, "p-few", "openai", "https://few.test/v1", "sk-few"),
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name) SELECT 'few-' || g, 9102, 'gpt-4o' FROM generate_series(1, 2) g");
        RouteSnapshot two = full();
        assertApplies(deleted, two);
        write("DELETE FROM service_providers WHERE id = 9102");
        assertApplies(two, full());
    }

    @Test
    void sinceMustBeAVersion() {
        for (String bad : new String[]{"", "abc", "1.5"}) {
            given().header("Authorization", bearer()).queryParam("since", bad).get("/internal/v1/routes/changes")
                    .then().statusCode(400).body("error.param", equalTo("since"));
        }
        given().header("Authorization", bearer()).get("/internal/v1/routes/changes").then().statusCode(400);
        given().queryParam("since", 1).get("/internal/v1/routes/changes").then().statusCode(401);
    }

    /** After a write: the delta from the previous step applied to it equals the whole table now; returns it. */
    private RouteSnapshot step() throws Exception {
        RouteSnapshot now = full();
        stepped = apply(stepped, changes(stepped.version()));
        assertThat(stepped.version()).isEqualTo(now.version());
        assertThat(stepped.routes()).isEqualTo(now.routes());
        return now;
    }

    private void assertApplies(RouteSnapshot earlier, RouteSnapshot later) throws Exception {
        RouteDelta delta = changes(earlier.version());
        assertThat(delta.full()).as("delta since %d", earlier.version()).isFalse();
        RouteSnapshot applied = apply(earlier, delta);
        assertThat(applied.version()).isEqualTo(later.version());
        assertThat(applied.routes()).as("delta since %d applied", earlier.version()).isEqualTo(later.routes());
    }

    private static RouteSnapshot apply(RouteSnapshot earlier, RouteDelta delta) {
        if (delta.full()) {
            return delta.snapshot();
        }
        assertThat(delta.since()).isEqualTo(earlier.version());
        Map<String, RouteEntry> routes = new HashMap<>(earlier.routes());
        delta.removed().forEach(routes::remove);
        routes.putAll(delta.routes());
        return new RouteSnapshot(delta.version(), delta.generatedAt(), routes);
    }

    private RouteSnapshot full() throws Exception {
        return RouteTableWire.read(new ByteArrayInputStream(given().header("Authorization", bearer()).get("/internal/v1/routes")
                .then().statusCode(200).extract().asByteArray())).snapshot();
    }

    private RouteDelta changes(long since) throws Exception {
        return RouteTableWire.read(new ByteArrayInputStream(given().header("Authorization", bearer()).queryParam("since", since)
                .get("/internal/v1/routes/changes").then().statusCode(200).extract().asByteArray()));
    }

    private static String bearer() {
        return "Bearer " + InternalToken.derive(RouteSnapshotTest.SECRET);
    }

    /** The insert of a provider, its key encrypted as admin-service stores it. */
    private static String provider(long id, String name, String kind, String endpoint, String apiKey) {
        return "INSERT INTO service_providers (id, name, kind, endpoint, api_key, api_key_hint) VALUES (" + id + ", '" + name + "', '"
                + kind + "', '" + endpoint + "', '" + CIPHER.encrypt(apiKey) + "', '...')";
    }

    /** One admin write: the statements and the config-version increment in one transaction. */
    private static void write(String... statements) throws SQLException {
        try (Connection c = ControlPlaneDbTestResource.fixtures().connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.executeUpdate(sql);
                }
                s.executeUpdate("UPDATE config_version SET version = version + 1 WHERE id = 1");
            }
            c.commit();
        }
    }
}
