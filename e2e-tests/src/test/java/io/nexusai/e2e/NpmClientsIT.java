package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.mock.MockProviderServer;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The latest npm releases of the clients people point at a gateway, unchanged and in their default modes
 * ({@code src/test/node/clients.mjs}), against the running gateway; and a browser's CORS exchange.
 */
class NpmClientsIT {
    private static final String PROMPT = "Hello from npm";

    @org.junit.jupiter.api.BeforeAll
    static void install() {
        NpmClients.install();
    }

    /** A new tenant whose alias the gateway already knows (a client run starts a process: no retrying through it). */
    static Fixtures.Tenant routedTenant(String kind, String realModel) {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias(kind, realModel);
        Fixtures.awaitRoute(() -> Fixtures.openAi(tenant.appKey()).models().retrieve(tenant.alias()));
        return tenant;
    }

    @Test
    void theOpenAiNodeSdkCallsChatCompletions() {
        Fixtures.Tenant tenant = routedTenant("openai", "gpt-4o-mini");
        JsonNode out = NpmClients.run("openai-chat", tenant.appKey(), tenant.alias());
        assertThat(out.path("text").asText()).isEqualTo(MockProviderServer.REPLY_PREFIX + "gpt-4o-mini: " + PROMPT);
        assertThat(out.path("model").asText()).isEqualTo(tenant.alias());
    }

    @Test
    void aBrowserPreflightAndRequestSucceedForAnAllowedOriginAndAreRefusedForAnother() {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        String gateway = E2eStack.get().url("gateway");
        given().baseUri(gateway).header("Origin", E2eStack.CORS_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
                .options("/v1/chat/completions")
                .then().statusCode(204)
                .header("Access-Control-Allow-Origin", E2eStack.CORS_ORIGIN)
                .header("Access-Control-Allow-Methods", org.hamcrest.Matchers.containsString("POST"))
                .header("Access-Control-Allow-Headers", org.hamcrest.Matchers.containsStringIgnoringCase("authorization"))
                .header("Access-Control-Allow-Credentials", org.hamcrest.Matchers.nullValue());
        String body = "{\"model\":\"" + tenant.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                given().baseUri(gateway).header("Origin", E2eStack.CORS_ORIGIN).header("Authorization", "Bearer " + tenant.appKey())
                        .contentType("application/json").body(body).post("/v1/chat/completions")
                        .then().statusCode(200)
                        .header("Access-Control-Allow-Origin", E2eStack.CORS_ORIGIN)
                        .header("Access-Control-Expose-Headers", org.hamcrest.Matchers.containsStringIgnoringCase("x-request-id")));

        // another origin: its preflight carries no key, so it is answered (it grants nothing: tenants may allow
        // origins of their own), but the request made with a key whose tenant does not allow it is refused
        String other = "https://evil.example.test";
        given().baseUri(gateway).header("Origin", other).header("Access-Control-Request-Method", "POST")
                .options("/v1/chat/completions")
                .then().statusCode(204).header("Access-Control-Allow-Credentials", org.hamcrest.Matchers.nullValue());
        given().baseUri(gateway).header("Origin", other).header("Authorization", "Bearer " + tenant.appKey())
                .contentType("application/json").body(body).post("/v1/chat/completions")
                .then().statusCode(403).header("Access-Control-Allow-Origin", org.hamcrest.Matchers.nullValue())
                .body("error.code", org.hamcrest.Matchers.equalTo("origin_not_allowed"));
    }

    @Test
    void aTenantsOwnOriginsServeItsKeysAndSessionKeysOnly() {
        Fixtures.Tenant owner = Fixtures.tenantWithAlias("gpt-4o-mini");
        Fixtures.Tenant stranger = Fixtures.tenantWithAlias("gpt-4o-mini");
        String page = "https://" + owner.id() + ".apps.example.test";
        Fixtures.admin().body(java.util.Map.of("cors_origins", java.util.List.of(page))).patch("/admin/v1/tenants/" + owner.id())
                .then().statusCode(200);
        String gateway = E2eStack.get().url("gateway");
        given().baseUri(gateway).header("Origin", page).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").options("/v1/chat/completions")
                .then().statusCode(204).header("Access-Control-Allow-Origin", page);
        // a page of the tenant's holds a short-lived session key, minted by its backend with the app key
        String session = given().baseUri(gateway).header("Authorization", "Bearer " + owner.appKey()).contentType("application/json")
                .body("{}").post("/v1/auth/session-keys").then().statusCode(201).extract().path("session_key");
        for (String key : java.util.List.of(owner.appKey(), session)) {
            String body = "{\"model\":\"" + owner.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                    given().baseUri(gateway).header("Origin", page).header("Authorization", "Bearer " + key)
                            .contentType("application/json").body(body).post("/v1/chat/completions")
                            .then().statusCode(200).header("Access-Control-Allow-Origin", page)
                            .header("Access-Control-Expose-Headers", org.hamcrest.Matchers.containsString("x-request-id"))
                            .body("choices[0].message.content", org.hamcrest.Matchers.endsWith(PROMPT)));
        }
        given().baseUri(gateway).header("Origin", page).header("Authorization", "Bearer " + owner.appKey()).get("/v1/models")
                .then().statusCode(200).header("Access-Control-Allow-Origin", page);
        // the same page with another tenant's key: refused before anything is forwarded
        String body = "{\"model\":\"" + stranger.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        given().baseUri(gateway).header("Origin", page).header("Authorization", "Bearer " + stranger.appKey())
                .contentType("application/json").body(body).post("/v1/chat/completions")
                .then().statusCode(403).header("Access-Control-Allow-Origin", org.hamcrest.Matchers.nullValue())
                .body("error.code", org.hamcrest.Matchers.equalTo("origin_not_allowed"));
        // the tenant takes the origin back: refused from then on (the change reaches the gateways' key caches)
        Fixtures.admin().body(java.util.Map.of("cors_origins", java.util.List.of())).patch("/admin/v1/tenants/" + owner.id())
                .then().statusCode(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                given().baseUri(gateway).header("Origin", page).header("Authorization", "Bearer " + owner.appKey())
                        .get("/v1/models").then().statusCode(403).body("error.code", org.hamcrest.Matchers.equalTo("origin_not_allowed")));
    }
}
