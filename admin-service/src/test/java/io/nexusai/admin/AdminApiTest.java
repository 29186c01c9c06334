package io.nexusai.admin;

import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class AdminApiTest {
    static final String ADMIN_KEY = "nx-adm-TestOnlyBootstrapAdminKey0123456789abcdef";

    @Inject
    RedisDataSource redis;

    static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON);
    }

    @Test
    void adminEndpointsNeedAnAdminKey() {
        given().get("/admin/v1/tenants").then().statusCode(401)
                .body("error.type", equalTo("authentication_error"))
                .body("error.code", equalTo("invalid_api_key"))
                .body("error.param", nullValue());
        given().header("Authorization", "Bearer nx-adm-wrong").get("/admin/v1/tenants").then().statusCode(401)
                .body("error.message", not(containsString("nx-adm-wrong")));
        given().header("Authorization", "Bearer nx-adm-wrong").get("/admin/v1/nothing-here").then().statusCode(401);
        admin().get("/admin/v1/nothing-here").then().statusCode(404).body("error.type", equalTo("not_found_error"));
    }

    @Test
    void providerKeyIsEncryptedAtRestAndMaskedInAnswers() throws Exception {
        String secret = "sk-live-provider-secret-9876";
        int id = admin().body("""
                        {"name":"acme-%s","endpoint":"https://api.acme.test/v1/","api_key":"%s","weight":70}"""
                        .formatted(System.nanoTime(), secret))
                .post("/admin/v1/providers").then().statusCode(201)
                .body("api_key", equalTo("sk-...9876"))
                .body("endpoint", equalTo("https://api.acme.test/v1"))
                .body("kind", equalTo("openai"))
                .body("weight", equalTo(70))
                .body("rate_limit", equalTo(60))
                .body("is_active", equalTo(true))
                .body(not(containsString(secret)))
                .extract().path("id");
        String listed = admin().get("/admin/v1/providers").then().statusCode(200).extract().asString();
        assertThat(listed).doesNotContain(secret).contains("sk-...9876");
        admin().get("/admin/v1/providers/" + id).then().statusCode(200).body("api_key", equalTo("sk-...9876"));

        try (Connection c = jdbc(); ResultSet r = c.createStatement().executeQuery("SELECT api_key FROM service_providers WHERE id = " + id)) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).startsWith("nxenc:v1:").doesNotContain(secret).doesNotContain("9876");
        }
    }

    @Test
    void validationListsEveryProblemWithItsPath() {
        admin().body("""
                        {"name":"","endpoint":"ftp://x","api_key":"k","weight":-1,"kind":"bedrock"}""")
                .post("/admin/v1/providers").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("validation_failed"))
                .body("error.details.param", hasItems("name", "endpoint", "weight", "kind"))
                .body("error.message", startsWith("4 problems"));
        admin().body("{\"name\":\"x\",").post("/admin/v1/providers").then().statusCode(400)
                .body("error.code", equalTo("invalid_json"));
        admin().body("""
                        {"name":"x","endpoint":"https://x.test","api_key":"k","weight":"heavy"}""")
                .post("/admin/v1/providers").then().log().ifValidationFails().statusCode(400).body("error.param", equalTo("weight"));
        admin().body("""
                        {"name":"x","endpoint":"https://x.test","api_key":"k","colour":"red"}""")
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("colour"));
        admin().contentType(ContentType.XML).body("<provider/>").post("/admin/v1/providers").then().statusCode(415)
                .body("error.code", equalTo("unsupported_media_type"));
        admin().body("""
                        {"model_alias":"nexus-x","provider_id":999999,"real_model_name":"gpt-4o"}""")
                .post("/admin/v1/routes").then().statusCode(400).body("error.param", equalTo("provider_id"));
    }

    @Test
    void tenantRouteAndKeyLifecycleWithChangeEvents() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        redis.pubsub(String.class).subscribe("{" + RedisTestResource.namespace() + "}:config", events::add);
        String tenant = "team-" + (System.nanoTime() % 100000);

        admin().body("{\"id\":\"" + tenant + "\",\"name\":\"Team\",\"allowed_models\":[\"nexus-a\"]}")
                .post("/admin/v1/tenants").then().statusCode(201).body("id", equalTo(tenant)).body("allowed_models[0]", equalTo("nexus-a"));
        admin().body("{\"id\":\"" + tenant + "\",\"name\":\"Again\"}")
                .post("/admin/v1/tenants").then().statusCode(409).body("error.param", equalTo("id"));
        admin().body("{\"id\":\"Bad Tenant\",\"name\":\"x\"}").post("/admin/v1/tenants").then().statusCode(400)
                .body("error.param", equalTo("id"));

        int provider = admin().body("{\"name\":\"p-" + tenant + "\",\"endpoint\":\"http://127.0.0.1:1/v1\",\"api_key\":\"sk-abcdefghijklmnop\"}")
                .post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        admin().body("{\"model_alias\":\"nexus-a\",\"provider_id\":" + provider + ",\"real_model_name\":\"gpt-4o\",\"cost_multiplier\":1.5,\"region_weights\":{\"eastus\":60,\"westus\":40}}")
                .post("/admin/v1/routes").then().statusCode(201)
                .body("model_alias", equalTo("nexus-a")).body("cost_multiplier", equalTo(1.5f))
                .body("region_weights.eastus", equalTo(60)).body("priority", equalTo(1));
        admin().body("{\"model_alias\":\"nexus-a\",\"provider_id\":" + provider + ",\"real_model_name\":\"gpt-4o\"}")
                .post("/admin/v1/routes").then().statusCode(409);

        String key = admin().body("{\"name\":\"ci\"}").post("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(201)
                .body("key", startsWith("nx-app-")).body("tenant_id", equalTo(tenant)).body("status", equalTo("active"))
                .extract().path("key");
        String keyId = admin().get("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(200)
                .body("[0].key", nullValue()).body("[0].key_hint", equalTo("nx-app-..." + key.substring(key.length() - 4)))
                .body(not(containsString(key)))
                .extract().path("[0].id");
        admin().body("{\"name\":\"x\"}").post("/admin/v1/tenants/no-such-tenant/keys").then().statusCode(404)
                .body("error.code", equalTo("tenant_not_found"));

        try (Connection c = jdbc(); ResultSet r = c.createStatement().executeQuery("SELECT key_hash FROM api_keys WHERE id = '" + keyId + "'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).hasSize(64).isEqualTo(io.nexusai.api.auth.ApiKeys.hash(key));
        }
        admin().post("/admin/v1/keys/" + keyId + "/revoke").then().statusCode(200)
                .body("status", equalTo("revoked")).body("revoked_at", notNullValue());

        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"tenants\"") && e.contains(tenant));
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"routes\"") && e.contains("nexus-a"));
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"keys\"") && e.contains(keyId)
                    && e.contains(io.nexusai.api.auth.ApiKeys.hash(key)));
        });
        assertThat(String.join("\n", events)).doesNotContain(key).doesNotContain("sk-abcdefghijklmnop");
    }

    static Connection jdbc() throws Exception {
        DbCoordinates db = PostgresTestResource.current();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }
}
