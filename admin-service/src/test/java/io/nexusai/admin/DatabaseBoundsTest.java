package io.nexusai.admin;

import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.count;
import static io.nexusai.admin.AdminTestSupport.jdbc;
import static io.nexusai.admin.AdminTestSupport.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * A statement PostgreSQL does not answer within {@code NEXUS_DB_TIMEOUT} (here 1 s) — through Hibernate Reactive, the
 * path of most admin requests — is answered 503 {@code database_unavailable} in OpenAI's envelope with
 * {@code Retry-After}, within the bound. The real database is made to not answer by a lock another session holds on
 * {@code tenants}. The abandoned statement is cancelled on the server and its connection closed: once the lock is gone
 * every request succeeds again on the same pool (nothing poisoned it), a write the bound cut off left nothing behind,
 * and bad input is still refused with 4xx meanwhile.
 */
@QuarkusTest
@TestProfile(DatabaseBoundsTest.ShortBound.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class DatabaseBoundsTest {
    /** NEXUS_DB_TIMEOUT of this application. */
    public static class ShortBound implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.db.timeout", "1s");
        }
    }

    /** The bound plus what a loaded 2-core machine may add: counts and statuses matter here, not tight timing. */
    static final long CEILING_MS = 1_000 + 3_000;

    @Test
    void statementsWithoutAnAnswerGet503WithinTheBoundAndThePoolRecovers() throws Exception {
        admin().get("/admin/v1/tenants").then().statusCode(200);
        String cutOff = unique("cut-off");

        try (Connection locker = jdbc()) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE");
            }
            // the admin key is checked (api_keys is not locked), then Hibernate Reactive reads tenants and waits
            for (int i = 0; i < 3; i++) {
                assertUnavailable(admin().get("/admin/v1/tenants"));
            }
            assertUnavailable(admin().body(Map.of("id", cutOff, "name", "Cut off")).post("/admin/v1/tenants"));

            // what needs no database is answered as before
            admin().body(Map.of("id", "Not Valid!", "name", "x")).post("/admin/v1/tenants").then().statusCode(400)
                    .body("error.code", equalTo("validation_failed"));
            given().get("/admin/v1/tenants").then().statusCode(401);

            // the abandoned statements were cancelled on the server: no session of the service still waits for the lock
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(count(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
                    .isZero());
            locker.rollback();
        }

        // the same pool serves every request again: no connection with an unanswered statement went back into it
        for (int i = 0; i < 30; i++) {
            admin().get("/admin/v1/tenants").then().statusCode(200);
        }
        admin().get("/admin/v1/tenants/" + cutOff).then().statusCode(404);
        admin().body(Map.of("id", cutOff, "name", "After")).post("/admin/v1/tenants").then().statusCode(201);
        // the abandoned connections were closed at once, not kept until their statements answered
        assertThat(Files.readString(Path.of("target/admin-test.log"))).doesNotContain("cannot close the socket");
    }

    private static void assertUnavailable(Response r) {
        assertThat(r.statusCode()).as(r.body().asString()).isEqualTo(503);
        assertThat(r.time()).isLessThan(CEILING_MS);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.jsonPath().getString("error.type")).isEqualTo("service_unavailable");
        assertThat(r.jsonPath().getString("error.code")).isEqualTo("database_unavailable");
        assertThat(r.jsonPath().getString("error.message")).isEqualTo("The database did not answer within 1 s; retry shortly.");
        assertThat(r.jsonPath().getMap("error")).containsKey("param");
    }
}
