package io.nexusai.admin;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

/** Every admin resource through its REST API, with validation, masking and the audit trail. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class AdminResourcesTest {
    /** Every secret this class hands to the API; none may come back or reach a log or the audit log. */
    static final List<String> SECRETS = new CopyOnWriteArrayList<>();

    @Inject
    RedisDataSource redis;

    @Test
    void adminEndpointsNeedAnActiveAdminKey() {
        given().get("/admin/v1/tenants").then().statusCode(401)
                .body("error.type", equalTo("authentication_error")).body("error.code", equalTo("invalid_api_key"))
                .body("error.param", nullValue());
        given().header("Authorization", "Bearer nx-adm-wrong").get("/admin/v1/tenants").then().statusCode(401)
                .body("error.message", not(containsString("nx-adm-wrong")));
        given().header("Authorization", "Bearer nx-adm-wrong").get("/admin/v1/nothing-here").then().statusCode(401);
        admin().get("/admin/v1/nothing-here").then().statusCode(404).body("error.type", equalTo("not_found_error"));
        admin().get("/admin/v1/tenants").then().statusCode(200).header("x-request-id", startsWith("req_"));

        String second = admin().body(Map.of("name", "ops")).post("/admin/v1/admin-keys").then().statusCode(201)
                .body("level", equalTo("admin")).body("key", startsWith("nx-adm-")).extract().path("key");
        SECRETS.add(second);
        String secondId = given().header("Authorization", "Bearer " + second).get("/admin/v1/admin-keys").then().statusCode(200)
                .body("key", not(hasItem(notNullValue()))).extract().path("find { it.name == 'ops' }.id");
        admin().post("/admin/v1/keys/" + secondId + "/revoke").then().statusCode(200).body("status", equalTo("revoked"));
        given().header("Authorization", "Bearer " + second).get("/admin/v1/tenants").then().statusCode(401);
    }

    @Test
    void providersCrudKeepsTheKeyEncryptedAndMasked() throws Exception {
        String secret = "sk-live-provider-secret-" + unique("k");
        SECRETS.add(secret);
        String name = unique("acme");
        int id = admin().body(Map.of("name", name, "endpoint", "https://api.acme.test/v1/", "api_key", secret, "weight", 70))
                .post("/admin/v1/providers").then().statusCode(201)
                .body("api_key", equalTo("sk-..." + secret.substring(secret.length() - 4)))
                .body("endpoint", equalTo("https://api.acme.test/v1"))
                .body("kind", equalTo("openai")).body("weight", equalTo(70)).body("rate_limit", equalTo(60))
                .body("is_active", equalTo(true)).body(not(containsString(secret)))
                .extract().path("id");
        admin().get("/admin/v1/providers").then().statusCode(200).body(not(containsString(secret)));
        admin().get("/admin/v1/providers/" + id).then().statusCode(200).body("name", equalTo(name));

        String rotated = "sk-rotated-provider-secret-" + unique("k");
        SECRETS.add(rotated);
        admin().body(Map.of("weight", 30, "api_key", rotated, "settings", Map.of("api_version", "2024-10-21")))
                .patch("/admin/v1/providers/" + id).then().statusCode(200)
                .body("weight", equalTo(30)).body("name", equalTo(name)).body("settings.api_version", equalTo("2024-10-21"))
                .body("api_key", equalTo("sk-..." + rotated.substring(rotated.length() - 4))).body(not(containsString(rotated)));
        admin().body(Map.of("name", name)).post("/admin/v1/providers").then().statusCode(400);
        admin().body(Map.of("name", name, "endpoint", "https://x.test", "api_key", "k")).post("/admin/v1/providers").then()
                .statusCode(409).body("error.param", equalTo("name"));

        String db = AdminTestSupport.dumpDatabase();
        assertThat(db).doesNotContain(secret).doesNotContain(rotated).contains("nxenc:v1:");

        admin().delete("/admin/v1/providers/" + id).then().statusCode(204);
        admin().get("/admin/v1/providers/" + id).then().statusCode(404).body("error.code", equalTo("provider_not_found"));
        admin().delete("/admin/v1/providers/" + id).then().statusCode(404);
    }

    @Test
    void bedrockProvidersTakeWriteOnlyAwsCredentialsAndARegion() throws Exception {
        String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + unique("s").replace("-", "");
        String token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + unique("t").replace("-", "");
        SECRETS.add(secret);
        SECRETS.add(token);
        String name = unique("bedrock");
        Map<String, Object> body = new java.util.HashMap<>(Map.of("name", name, "kind", "bedrock",
                "endpoint", "https://bedrock-runtime.eu-central-1.amazonaws.com", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE",
                "aws_secret_access_key", secret, "aws_session_token", token));
        int id = admin().body(body).post("/admin/v1/providers").then().statusCode(201)
                .body("kind", equalTo("bedrock")).body("region", equalTo("eu-central-1")).body("api_key", equalTo("...MPLE"))
                .body(not(containsString(secret))).body(not(containsString(token))).body(not(containsString("AKIAIOSFODNN7EXAMPLE")))
                .extract().path("id");
        admin().get("/admin/v1/providers/" + id).then().statusCode(200).body(not(containsString(secret)))
                .body("aws_secret_access_key", nullValue()).body("aws_session_token", nullValue());
        assertThat(AdminTestSupport.dumpDatabase()).doesNotContain(secret).doesNotContain(token);

        // credentials are replaced as a set; a region outside the endpoint's name is kept as given
        admin().body(Map.of("aws_access_key_id", "AKIAI44QH8DHBEXAMPLE", "aws_secret_access_key", secret, "region", "us-west-2"))
                .patch("/admin/v1/providers/" + id).then().statusCode(200).body("api_key", equalTo("...MPLE")).body("region", equalTo("us-west-2"));
        admin().body(Map.of("weight", 5)).patch("/admin/v1/providers/" + id).then().statusCode(200).body("weight", equalTo(5))
                .body("api_key", equalTo("...MPLE"));
        admin().body(Map.of("aws_access_key_id", "AKIAI44QH8DHBEXAMPLE")).patch("/admin/v1/providers/" + id).then().statusCode(400)
                .body("error.param", equalTo("aws_secret_access_key"));
        admin().body(Map.of("api_key", "sk-not-for-bedrock")).patch("/admin/v1/providers/" + id).then().statusCode(400)
                .body("error.param", equalTo("api_key")).body("error.message", containsString("aws_access_key_id"));
        admin().body(Map.of("kind", "openai")).patch("/admin/v1/providers/" + id).then().statusCode(400)
                .body("error.param", equalTo("api_key"));
        admin().body(Map.of("region", "Mars")).patch("/admin/v1/providers/" + id).then().statusCode(400)
                .body("error.param", equalTo("region"));

        // what a bedrock provider needs, and what other kinds must not take
        admin().body(Map.of("name", unique("b"), "kind", "bedrock", "endpoint", "https://bedrock.example.test",
                        "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key", secret))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("region"))
                .body(not(containsString(secret)));
        admin().body(Map.of("name", unique("b"), "kind", "bedrock", "endpoint", "https://bedrock-runtime.us-east-1.amazonaws.com"))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("aws_access_key_id"));
        admin().body(Map.of("name", unique("b"), "kind", "bedrock", "endpoint", "https://bedrock-runtime.us-east-1.amazonaws.com",
                        "aws_access_key_id", "short", "aws_secret_access_key", secret))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("aws_access_key_id"));
        admin().body(Map.of("name", unique("b"), "kind", "bedrock", "endpoint", "https://bedrock-runtime.us-east-1.amazonaws.com",
                        "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key", "with space"))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("aws_secret_access_key"));
        admin().body(Map.of("name", unique("o"), "endpoint", "https://api.acme.test/v1", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE",
                        "aws_secret_access_key", secret))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("aws_access_key_id"));
        admin().body(Map.of("name", unique("o"), "endpoint", "https://api.acme.test/v1"))
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("api_key"));
        admin().delete("/admin/v1/providers/" + id).then().statusCode(204);
    }

    @Test
    void validationListsEveryProblemWithItsPath() {
        admin().body("""
                        {"name":"","endpoint":"ftp://x","api_key":"k","weight":-1,"kind":"vertex"}""")
                .post("/admin/v1/providers").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.code", equalTo("validation_failed"))
                .body("error.details.param", hasItems("name", "endpoint", "weight", "kind"))
                .body("error.message", startsWith("4 problems"));
        admin().body("{\"name\":\"x\",").post("/admin/v1/providers").then().statusCode(400).body("error.code", equalTo("invalid_json"));
        admin().body("{\"name\":\"x\",\"endpoint\":\"https://x.test\",\"api_key\":\"k\",\"weight\":\"heavy\"}")
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("weight"));
        admin().body("{\"name\":\"x\",\"endpoint\":\"https://x.test\",\"api_key\":\"k\",\"colour\":\"red\"}")
                .post("/admin/v1/providers").then().statusCode(400).body("error.param", equalTo("colour"));
        admin().contentType(ContentType.XML).body("<provider/>").post("/admin/v1/providers").then().statusCode(415)
                .body("error.code", equalTo("unsupported_media_type"));
        admin().body("{\"model_alias\":\"nexus-x\",\"provider_id\":999999,\"real_model_name\":\"gpt-4o\"}")
                .post("/admin/v1/routes").then().statusCode(400).body("error.param", equalTo("provider_id"));
        admin().body("{\"model_alias\":\"bad alias!\",\"provider_id\":1,\"real_model_name\":\"\",\"priority\":0,"
                        + "\"region_weights\":{\"eastus\":-5}}")
                .post("/admin/v1/routes").then().statusCode(400)
                .body("error.details.param", hasItems("model_alias", "real_model_name", "priority", "region_weights[eastus]"));
        admin().body("{\"id\":\"t\",\"name\":\"n\",\"limits\":{\"rpm_limit\":-1,\"daily_cost_budget\":-2}}")
                .post("/admin/v1/tenants").then().statusCode(400)
                .body("error.details.param", hasItems("limits.rpm_limit", "limits.daily_cost_budget"));
        admin().body("{\"id\":\"Bad Tenant\",\"name\":\"x\"}").post("/admin/v1/tenants").then().statusCode(400)
                .body("error.param", equalTo("id"));
        admin().body("{\"name\":\"k\",\"expires_at\":\"2001-01-01T00:00:00Z\"}").post("/admin/v1/tenants/any/keys").then()
                .statusCode(400).body("error.param", equalTo("expires_at"));
    }

    @Test
    void routesCrud() {
        int provider = admin().body(Map.of("name", unique("p"), "endpoint", "http://127.0.0.1:1/v1", "api_key", "sk-abcdefghijklmnop"))
                .post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        String alias = unique("nexus");
        int route = admin().body(Map.of("model_alias", alias, "provider_id", provider, "real_model_name", "gpt-4o",
                        "cost_multiplier", 1.5, "region_weights", Map.of("eastus", 60, "westus", 40)))
                .post("/admin/v1/routes").then().statusCode(201)
                .body("model_alias", equalTo(alias)).body("cost_multiplier", equalTo(1.5f))
                .body("region_weights.eastus", equalTo(60)).body("priority", equalTo(1)).body("is_active", equalTo(true))
                .extract().path("id");
        admin().body(Map.of("model_alias", alias, "provider_id", provider, "real_model_name", "gpt-4o"))
                .post("/admin/v1/routes").then().statusCode(409);
        admin().queryParam("alias", alias).get("/admin/v1/routes").then().statusCode(200).body("size()", equalTo(1));
        admin().body(Map.of("weight", 5, "priority", 2, "is_active", false)).patch("/admin/v1/routes/" + route).then().statusCode(200)
                .body("weight", equalTo(5)).body("priority", equalTo(2)).body("is_active", equalTo(false))
                .body("real_model_name", equalTo("gpt-4o"));
        admin().delete("/admin/v1/routes/" + route).then().statusCode(204);
        admin().get("/admin/v1/routes/" + route).then().statusCode(404).body("error.code", equalTo("route_not_found"));
    }

    @Test
    void tenantsAndKeysLifecycleWithChangeEventsAndAudit() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        redis.pubsub(String.class).subscribe("{" + RedisTestResource.namespace() + "}:config", events::add);
        String tenant = unique("team");
        admin().body(Map.of("id", tenant, "name", "Team", "allowed_models", List.of("nexus-a"), "limits", Map.of("rpm_limit", 100)))
                .post("/admin/v1/tenants").then().statusCode(201)
                .body("id", equalTo(tenant)).body("allowed_models[0]", equalTo("nexus-a")).body("limits.rpm_limit", equalTo(100));
        admin().body(Map.of("id", tenant, "name", "Again")).post("/admin/v1/tenants").then().statusCode(409).body("error.param", equalTo("id"));
        admin().body(Map.of("name", "Renamed", "limits", Map.of("tpm_limit", 5000))).patch("/admin/v1/tenants/" + tenant).then()
                .statusCode(200).body("name", equalTo("Renamed")).body("limits.tpm_limit", equalTo(5000)).body("limits.rpm_limit", nullValue())
                .body("cors_origins", hasSize(0));
        // browser origins of the tenant's own apps (CORS): origins as browsers send them, nothing else
        admin().body(Map.of("cors_origins", List.of("https://app.example", "http://localhost:5173", "https://app.example")))
                .patch("/admin/v1/tenants/" + tenant).then().statusCode(200)
                .body("cors_origins", equalTo(List.of("https://app.example", "http://localhost:5173")));
        for (String bad : List.of("*", "https://app.example/", "https://*.example", "HTTPS://APP.EXAMPLE", "null")) {
            admin().body(Map.of("cors_origins", List.of(bad))).patch("/admin/v1/tenants/" + tenant).then().statusCode(400)
                    .body("error.param", startsWith("cors_origins"));
        }

        String key = admin().body(Map.of("name", "ci", "limits", Map.of("rpm_limit", 10))).post("/admin/v1/tenants/" + tenant + "/keys")
                .then().statusCode(201).body("key", startsWith("nx-app-")).body("tenant_id", equalTo(tenant))
                .body("status", equalTo("active")).body("limits.rpm_limit", equalTo(10)).extract().path("key");
        SECRETS.add(key);
        String keyId = admin().get("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(200)
                .body("[0].key", nullValue()).body("[0].key_hint", equalTo("nx-app-..." + key.substring(key.length() - 4)))
                .body(not(containsString(key))).extract().path("[0].id");
        admin().get("/admin/v1/keys/" + keyId).then().statusCode(200).body("key", nullValue()).body("signing_required", equalTo(false));
        admin().body(Map.of("name", "x")).post("/admin/v1/tenants/no-such-tenant/keys").then().statusCode(404)
                .body("error.code", equalTo("tenant_not_found"));
        assertThat(AdminTestSupport.count("SELECT count(*) FROM api_keys WHERE key_hash = '" + ApiKeys.hash(key) + "'")).isEqualTo(1);

        String rotated = admin().post("/admin/v1/keys/" + keyId + "/rotate").then().statusCode(200)
                .body("key", startsWith("nx-app-")).body("rotated_at", notNullValue()).extract().path("key");
        SECRETS.add(rotated);
        assertThat(rotated).isNotEqualTo(key);
        assertThat(AdminTestSupport.count("SELECT count(*) FROM api_keys WHERE key_hash = '" + ApiKeys.hash(key) + "'")).isZero();

        String signing = admin().post("/admin/v1/keys/" + keyId + "/signing").then().statusCode(200)
                .body("signing_required", equalTo(true)).body("signing_secret", startsWith("nxs-")).extract().path("signing_secret");
        SECRETS.add(signing);
        admin().get("/admin/v1/keys/" + keyId).then().body("signing_secret", nullValue()).body("signing_required", equalTo(true));
        assertThat(AdminTestSupport.dumpDatabase()).doesNotContain(signing);

        admin().post("/admin/v1/keys/" + keyId + "/revoke").then().statusCode(200)
                .body("status", equalTo("revoked")).body("revoked_at", notNullValue());
        admin().post("/admin/v1/keys/" + keyId + "/rotate").then().statusCode(409);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"tenants\"") && e.contains(tenant));
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"keys\"") && e.contains(keyId) && e.contains(ApiKeys.hash(key)));
            assertThat(events).anyMatch(e -> e.contains("\"kind\":\"keys\"") && e.contains(ApiKeys.hash(rotated)));
        });

        admin().queryParam("object_type", "key").queryParam("object_id", keyId).get("/admin/v1/audit").then().statusCode(200)
                .body("data.action", hasItems("create", "rotate", "enable_signing", "revoke"))
                .body("data[0].actor_key_id", startsWith("key_"))
                .body("data[0].request_id", startsWith("req_"))
                .body("data.find { it.action == 'revoke' }.before.status", equalTo("active"))
                .body("data.find { it.action == 'revoke' }.after.status", equalTo("revoked"));
        admin().queryParam("limit", 2).get("/admin/v1/audit").then().statusCode(200)
                .body("data.size()", equalTo(2)).body("next_before_id", notNullValue());
        admin().queryParam("limit", 0).get("/admin/v1/audit").then().statusCode(400).body("error.param", equalTo("limit"));
        admin().queryParam("from", "yesterday").get("/admin/v1/audit").then().statusCode(400).body("error.param", equalTo("from"));

        admin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);
        admin().get("/admin/v1/keys/" + keyId).then().statusCode(404);
        for (String s : List.copyOf(events)) {
            assertThat(s).doesNotContain(key).doesNotContain(rotated).doesNotContain(signing);
        }
    }

    @Test
    void pricesHaveDefaultsAndCanBeReplaced() {
        admin().get("/admin/v1/prices").then().statusCode(200).body("model", hasItems("gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"));
        admin().get("/admin/v1/prices/gpt-4o").then().statusCode(200).body("input_per_million", equalTo(2.5f));
        String model = unique("acme-model") + "/v2";
        admin().body(Map.of("input_per_million", 1.25, "output_per_million", 5)).put("/admin/v1/prices/" + model).then()
                .statusCode(200).body("model", equalTo(model)).body("currency", equalTo("USD"));
        admin().body(Map.of("input_per_million", 2, "output_per_million", 6, "currency", "EUR")).put("/admin/v1/prices/" + model)
                .then().statusCode(200).body("currency", equalTo("EUR"));
        admin().body(Map.of("input_per_million", -1)).put("/admin/v1/prices/" + model).then().statusCode(400)
                .body("error.details.param", hasItems("input_per_million", "output_per_million"));
        // cache rates: optional, non-negative decimals with at most 10 fraction digits
        admin().body(Map.of("input_per_million", 3, "output_per_million", 15, "cached_input_per_million", 0.3,
                "cache_write_per_million", 3.75)).put("/admin/v1/prices/" + model).then().statusCode(200)
                .body("cached_input_per_million", equalTo(0.3f)).body("cache_write_per_million", equalTo(3.75f))
                .body("currency", equalTo("USD"));
        admin().get("/admin/v1/prices/" + model).then().statusCode(200)
                .body("cached_input_per_million", equalTo(0.3f)).body("cache_write_per_million", equalTo(3.75f));
        admin().body(Map.of("input_per_million", 3, "output_per_million", 15, "cached_input_per_million", -0.1,
                "cache_write_per_million", 0.00000000001)).put("/admin/v1/prices/" + model).then().statusCode(400)
                .body("error.details.param", hasItems("cached_input_per_million", "cache_write_per_million"));
        // replaced without them: no cache rates (the input rate applies)
        admin().body(Map.of("input_per_million", 3, "output_per_million", 15)).put("/admin/v1/prices/" + model).then()
                .statusCode(200).body("cached_input_per_million", nullValue()).body("cache_write_per_million", nullValue());
        // the preloaded prices carry the published cache rates
        admin().get("/admin/v1/prices/gpt-4o").then().statusCode(200).body("cached_input_per_million", equalTo(1.25f))
                .body("cache_write_per_million", nullValue());
        admin().get("/admin/v1/prices/claude-3-5-haiku-latest").then().statusCode(200)
                .body("cached_input_per_million", equalTo(0.08f)).body("cache_write_per_million", equalTo(1.0f));
        admin().delete("/admin/v1/prices/" + model).then().statusCode(204);
        admin().get("/admin/v1/prices/" + model).then().statusCode(404);
    }

    @Test
    void aliasPoliciesDefaultReplaceAndResetWithARoutesEvent() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        redis.pubsub(String.class).subscribe("{" + RedisTestResource.namespace() + "}:config", events::add);
        String alias = unique("alias");
        admin().get("/admin/v1/aliases/" + alias).then().statusCode(200).body("configured", equalTo(false))
                .body("strategy", equalTo("weighted")).body("max_attempts", equalTo(3)).body("total_timeout_ms", equalTo(600000));
        admin().body(Map.of("strategy", "latency", "max_attempts", 2, "first_byte_timeout_ms", 1500)).put("/admin/v1/aliases/" + alias)
                .then().statusCode(200).body("configured", equalTo(true)).body("strategy", equalTo("latency"))
                .body("max_attempts", equalTo(2)).body("first_byte_timeout_ms", equalTo(1500)).body("idle_timeout_ms", equalTo(60000));
        assertThat(AdminTestSupport.count("SELECT count(*) FROM model_aliases WHERE alias = '" + alias + "' AND strategy = 'latency'"))
                .isEqualTo(1);
        // PUT replaces the whole policy: what is omitted goes back to its default
        admin().body(Map.of("total_timeout_ms", 30000)).put("/admin/v1/aliases/" + alias).then().statusCode(200)
                .body("strategy", equalTo("weighted")).body("max_attempts", equalTo(3)).body("total_timeout_ms", equalTo(30000));
        admin().get("/admin/v1/aliases").then().statusCode(200).body("alias", hasItem(alias));
        admin().body(Map.of("strategy", "random", "max_attempts", 0, "connect_timeout_ms", 5)).put("/admin/v1/aliases/" + alias)
                .then().statusCode(400).body("error.type", equalTo("invalid_request_error"))
                .body("error.details.param", hasItems("strategy", "max_attempts", "connect_timeout_ms"));
        admin().body(Map.of("max_attempts", "three")).put("/admin/v1/aliases/" + alias).then().statusCode(400);
        admin().body(Map.of("max_attemps", 2)).put("/admin/v1/aliases/" + alias).then().statusCode(400);
        admin().body(Map.of()).put("/admin/v1/aliases/bad%20alias").then().statusCode(400).body("error.param", equalTo("alias"));
        admin().queryParam("object_type", "alias").queryParam("object_id", alias).get("/admin/v1/audit").then().statusCode(200)
                .body("data.action", hasItems("create", "update"));
        admin().delete("/admin/v1/aliases/" + alias).then().statusCode(204);
        admin().delete("/admin/v1/aliases/" + alias).then().statusCode(404).body("error.code", equalTo("alias_policy_not_found"));
        admin().get("/admin/v1/aliases/" + alias).then().statusCode(200).body("configured", equalTo(false));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(events).filteredOn(e -> e.contains("\"kind\":\"routes\"") && e.contains(alias)).hasSizeGreaterThanOrEqualTo(3));
    }

    @AfterAll
    static void noSecretInLogsOrAudit() throws Exception {
        String log = Files.readString(Path.of("target/admin-test.log"));
        String db = AdminTestSupport.dumpDatabase();
        for (String secret : SECRETS) {
            assertThat(log).doesNotContain(secret);
            assertThat(db).doesNotContain(secret);
        }
    }
}
