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

    @Test
    void theOpenAiNodeSdkCallsChatCompletions() {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        JsonNode out = Fixtures.awaitRoute(() -> NpmClients.run("openai-chat", tenant.appKey(), tenant.alias()));
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

        String other = "https://evil.example.test";
        given().baseUri(gateway).header("Origin", other).header("Access-Control-Request-Method", "POST")
                .options("/v1/chat/completions")
                .then().statusCode(403).header("Access-Control-Allow-Origin", org.hamcrest.Matchers.nullValue())
                .body("error.code", org.hamcrest.Matchers.equalTo("origin_not_allowed"));
        given().baseUri(gateway).header("Origin", other).header("Authorization", "Bearer " + tenant.appKey())
                .contentType("application/json").body(body).post("/v1/chat/completions")
                .then().statusCode(403).header("Access-Control-Allow-Origin", org.hamcrest.Matchers.nullValue())
                .body("error.code", org.hamcrest.Matchers.equalTo("origin_not_allowed"));
    }
}
