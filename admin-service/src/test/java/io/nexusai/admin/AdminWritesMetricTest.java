package io.nexusai.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** nexus_admin_writes_total counts the writes that committed, by resource and action, and nothing else. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class AdminWritesMetricTest {
    @Inject
    MeterRegistry registry;

    double writes(String resource, String action) {
        Counter c = registry.find("nexus.admin.writes").tags("resource", resource, "action", action).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void committedWritesAreCountedRefusedOnesAreNot() {
        double created = writes("tenant", "create");
        double updated = writes("tenant", "update");
        double deleted = writes("tenant", "delete");
        double keys = writes("key", "create");
        String id = unique("metrics");
        admin().body(Map.of("id", id, "name", "Metrics")).post("/admin/v1/tenants").then().statusCode(201);
        admin().body(Map.of("name", "Metrics 2")).patch("/admin/v1/tenants/" + id).then().statusCode(200);
        admin().body(Map.of("name", "k")).post("/admin/v1/tenants/" + id + "/keys").then().statusCode(201);
        assertThat(writes("tenant", "create")).isEqualTo(created + 1);
        assertThat(writes("tenant", "update")).isEqualTo(updated + 1);
        assertThat(writes("key", "create")).isEqualTo(keys + 1);

        // refused before or at the database: nothing committed, nothing counted
        admin().body(Map.of("id", id, "name", "Again")).post("/admin/v1/tenants").then().statusCode(409);
        admin().body(Map.of("name", "k")).post("/admin/v1/tenants/no-such-tenant/keys").then().statusCode(404);
        admin().body(Map.of("id", "Not Valid!", "name", "x")).post("/admin/v1/tenants").then().statusCode(400);
        assertThat(writes("tenant", "create")).isEqualTo(created + 1);
        assertThat(writes("key", "create")).isEqualTo(keys + 1);
        assertThat(writes("tenant", "delete")).isEqualTo(deleted);
    }
}
