package io.nexusai.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.nexusai.mock.MockProviderServer;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Sets up tenants, providers, routes and keys through the admin API, as an operator would. */
final class Fixtures {
    private Fixtures() {
    }

    static RequestSpecification admin() {
        return given().baseUri(E2eStack.get().url("admin"))
                .header("Authorization", "Bearer " + E2eStack.ADMIN_KEY).contentType(ContentType.JSON);
    }

    /** A tenant with a mock-backed alias and an app key: what a test needs to call the gateway. */
    record Tenant(String id, String alias, String appKey, String realModel) {
    }

    static Tenant tenantWithAlias(String realModel) {
        return tenantWithAlias("openai", realModel);
    }

    /** A tenant, an app key, and an alias served by the mock speaking the given provider kind's format. */
    static Tenant tenantWithAlias(String kind, String realModel) {
        return tenantWithAlias(kind, realModel, Map.of());
    }

    /** The same with provider settings (e.g. Azure's {@code api_version}, Bedrock's {@code prompt_cache}). */
    static Tenant tenantWithAlias(String kind, String realModel, Map<String, String> settings) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "t-" + suffix;
        String alias = "nexus-" + suffix;
        admin().body(Map.of("id", tenant, "name", "Tenant " + suffix)).post("/admin/v1/tenants").then().statusCode(201);
        Map<String, Object> body = new java.util.HashMap<>(provider("mock-" + suffix, kind, E2eStack.MOCK_API_KEY));
        if (!settings.isEmpty()) {
            body.put("settings", settings);
        }
        int provider = admin().body(body)
                .post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        admin().body(Map.of("model_alias", alias, "provider_id", provider, "real_model_name", realModel))
                .post("/admin/v1/routes").then().statusCode(201);
        String key = admin().body(Map.of("name", "e2e")).post("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(201)
                .extract().path("key");
        return new Tenant(tenant, alias, key, realModel);
    }

    /**
     * The admin body of a provider of this kind served by the mock: an API key, or for Bedrock the mock's AWS access
     * key id with {@code secret} as the secret access key, and a region.
     */
    static Map<String, Object> provider(String name, String kind, String secret) {
        E2eStack stack = E2eStack.get();
        String endpoint = "openai".equals(kind) ? stack.mockEndpoint() : stack.mockBase();
        return "bedrock".equals(kind)
                ? Map.of("name", name, "kind", kind, "endpoint", endpoint, "region", "us-east-1", "rate_limit", 0,
                "aws_access_key_id", MockProviderServer.BEDROCK_ACCESS_KEY_ID, "aws_secret_access_key", secret)
                : Map.of("name", name, "kind", kind, "endpoint", endpoint, "api_key", secret, "rate_limit", 0);
    }

    /** Sets a fault rule on the mock for requests to one (real) model. */
    static void mockFault(Map<String, Object> rule) {
        given().contentType(ContentType.JSON).body(rule).post(E2eStack.get().mockBase() + "/_mock/faults").then().statusCode(201);
    }

    static void clearMockFaults() {
        given().delete(E2eStack.get().mockBase() + "/_mock/faults").then().statusCode(204);
    }

    /** The mock's counters: requests, by_model, open_streams, cancelled_streams. */
    static io.restassured.path.json.JsonPath mockStats() {
        return given().get(E2eStack.get().mockBase() + "/_mock/stats").then().statusCode(200).extract().jsonPath();
    }

    /** A unique real model name, so that fault rules of one test touch no other. */
    static String uniqueModel(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    static String appKey(String tenant, List<String> allowedModels) {
        return admin().body(Map.of("name", "scoped", "allowed_models", allowedModels))
                .post("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(201).extract().path("key");
    }

    /**
     * Runs a call until the gateway knows the route: a new alias reaches the gateways through a change event a
     * few milliseconds after the admin write, so the first call may still see 404.
     */
    static <T> T awaitRoute(java.util.function.Supplier<T> call) {
        java.util.concurrent.atomic.AtomicReference<T> result = new java.util.concurrent.atomic.AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(50))
                .ignoreException(com.openai.errors.NotFoundException.class)
                .until(() -> {
                    result.set(call.get());
                    return true;
                });
        return result.get();
    }

    static OpenAIClient openAi(String key) {
        return OpenAIOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(E2eStack.get().url("gateway") + "/v1")
                .maxRetries(0)
                .build();
    }
}
