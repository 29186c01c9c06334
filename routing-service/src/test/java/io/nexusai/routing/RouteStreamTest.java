package io.nexusai.routing;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.ControlPlaneFixtures;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route table streamed from a database cursor at catalogue size (12,000 aliases, twelve fetches of the cursor):
 * every alias and route of the database is in it exactly as stored; a delta over more aliases than one fetch, applied
 * to the earlier table, gives the table read after it; and a database that does not answer before the first byte
 * still gets the 503 envelope (then the same pool serves the table again).
 */
@QuarkusTest
@TestProfile(RouteStreamTest.OwnDatabaseShortBound.class)
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class RouteStreamTest {
    static final int ALIASES = 12_000;

    /** Its own database (RouteSnapshotTest counts every alias of its database) and a 1 s database bound. */
    public static class OwnDatabaseShortBound implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.db.timeout", "1s");
        }
    }

    @Test
    void aCatalogueIsStreamedWholeAndLargeDeltasApply() throws Exception {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        long openai = db.provider("stream-openai", "openai", "https://a.test/v1", "sk-a", RouteSnapshotTest.DB_KEY);
        long azure = db.provider("stream-azure", "azure", "https://{resource}.openai.azure.test", "sk-b", RouteSnapshotTest.DB_KEY);
        sql("INSERT INTO model_routes (model_alias, provider_id, real_model_name, cost_multiplier) "
                        + "SELECT 'cat-' || lpad(i::text, 6, '0'), " + openai + ", CASE WHEN i % 2 = 0 THEN 'gpt-4o' ELSE 'gpt-4o-mini' END, 1 + (i % 3) "
                        + "FROM generate_series(0, " + (ALIASES - 1) + ") AS i",
                "INSERT INTO model_routes (model_alias, provider_id, real_model_name, region_weights, priority) "
                        + "SELECT 'cat-' || lpad(i::text, 6, '0'), " + azure + ", 'gpt-4o-deploy', '{\"eastus\": 60, \"westus\": 40}', 2 "
                        + "FROM generate_series(0, " + (ALIASES - 1) + ", 3) AS i",
                "INSERT INTO model_aliases (alias, strategy, max_attempts) "
                        + "SELECT 'cat-' || lpad(i::text, 6, '0'), 'latency', 2 FROM generate_series(0, " + (ALIASES - 1) + ", 7) AS i",
                "UPDATE config_version SET version = version + 1 WHERE id = 1");

        RouteSnapshot first = full();
        assertThat(first.routes()).hasSize(ALIASES);
        Map<Long, String> routeAliases = new HashMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id, model_alias FROM model_routes")) {
            while (r.next()) {
                routeAliases.put(r.getLong(1), r.getString(2));
            }
        }
        Set<Long> streamed = new HashSet<>();
        for (RouteEntry entry : first.routes().values()) {
            int i = Integer.parseInt(entry.alias().substring(4));
            assertThat(entry.deployments()).hasSize(i % 3 == 0 ? 2 : 1);
            Deployment d = entry.deployments().getFirst();
            assertThat(d.providerName()).isEqualTo("stream-openai");
            assertThat(d.realModel()).isEqualTo(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini");
            assertThat(d.costMultiplier()).isEqualByComparingTo(String.valueOf(1 + i % 3));
            assertThat(d.price()).isNotNull();
            if (i % 3 == 0) {
                assertThat(entry.deployments().get(1).regionWeights()).containsEntry("eastus", 60).containsEntry("westus", 40);
                assertThat(entry.deployments().get(1).priority()).isEqualTo(2);
            }
            assertThat(entry.policy().strategy()).isEqualTo(i % 7 == 0 ? "latency" : "weighted");
            for (Deployment each : entry.deployments()) {
                assertThat(streamed.add(each.id())).isTrue();
                assertThat(routeAliases.get(each.id())).isEqualTo(entry.alias());
            }
        }
        assertThat(streamed).isEqualTo(routeAliases.keySet());

        // a delta over 2,500 aliases (more than two fetches), and 1,000 removed
        sql("UPDATE model_routes SET weight = 7 WHERE model_alias < 'cat-002500'",
                "UPDATE model_routes SET is_active = false WHERE model_alias >= 'cat-011000'",
                "UPDATE config_version SET version = version + 1 WHERE id = 1");
        RouteDelta delta = changes(first.version());
        assertThat(delta.full()).isFalse();
        assertThat(delta.routes()).hasSize(2_500);
        assertThat(delta.removed()).hasSize(1_000);
        Map<String, RouteEntry> applied = new HashMap<>(first.routes());
        delta.removed().forEach(applied::remove);
        applied.putAll(delta.routes());
        RouteSnapshot second = full();
        assertThat(second.version()).isEqualTo(delta.version());
        assertThat(applied).isEqualTo(second.routes());
        assertThat(second.routes()).hasSize(ALIASES - 1_000);
    }

    @Test
    void aDatabaseThatDoesNotAnswerBeforeTheFirstByteGets503() throws Exception {
        try (Connection locker = ControlPlaneDbTestResource.fixtures().connect()) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLE config_version IN ACCESS EXCLUSIVE MODE");
            }
            for (String path : new String[]{"/internal/v1/routes", "/internal/v1/routes/changes?since=0"}) {
                Response answer = given().header("Authorization", bearer()).get(path);
                assertThat(answer.statusCode()).as(path).isEqualTo(503);
                assertThat(answer.jsonPath().getString("error.code")).isEqualTo("database_unavailable");
                assertThat(answer.jsonPath().getString("error.type")).isEqualTo("service_unavailable");
            }
            locker.rollback();
        }
        given().header("Authorization", bearer()).get("/internal/v1/routes").then().statusCode(200);
    }

    private static RouteSnapshot full() throws Exception {
        return RouteTableWire.read(new ByteArrayInputStream(given().header("Authorization", bearer()).get("/internal/v1/routes")
                .then().statusCode(200).extract().asByteArray())).snapshot();
    }

    private static RouteDelta changes(long since) throws Exception {
        return RouteTableWire.read(new ByteArrayInputStream(given().header("Authorization", bearer()).queryParam("since", since)
                .get("/internal/v1/routes/changes").then().statusCode(200).extract().asByteArray()));
    }

    private static String bearer() {
        return "Bearer " + InternalToken.derive(RouteSnapshotTest.SECRET);
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = ControlPlaneDbTestResource.fixtures().connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String statement : statements) {
                    s.executeUpdate(statement);
                }
            }
            c.commit();
        }
    }
}
