package io.nexusai.gateway.api;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * A web page of an allowed origin can call the model APIs (preflight answered, answers readable, the headers a client
 * needs exposed, never credentials); any other origin gets 403 in OpenAI's envelope; clients that send no
 * {@code Origin} (servers, SDKs) are not concerned. No control plane: the answers past CORS are the gateway's own
 * refusals (400, 401). Tenants' own origins are off here ({@link TenantOriginsTest} has them).
 */
@QuarkusTest
@TestProfile(BrowserAccessTest.Profile.class)
@WithTestResource(RedisTestResource.class)
class BrowserAccessTest {
    static final String CHAT = "/v1/chat/completions";
    static final String ALLOWED = "https://app.example";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.gateway.cors.origins", ALLOWED + ", https://other.example",
                    "nexus.gateway.cors.tenant-origins", "false",
                    "quarkus.rest-client.auth-service.url", "http://127.0.0.1:1",
                    "quarkus.rest-client.routing-service.url", "http://127.0.0.1:1");
        }
    }

    @Test
    void preflightOfAnAllowedOriginIsAnswered() {
        Response r = given().header("Origin", ALLOWED).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
                .options(CHAT);
        assertThat(r.statusCode()).isBetween(200, 204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(csv(r.header("Access-Control-Allow-Methods"))).contains("post", "get");
        assertThat(csv(r.header("Access-Control-Allow-Headers"))).contains("authorization", "content-type", "x-stainless-os");
        assertThat(r.header("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNotEqualTo("true");
    }

    @Test
    void answersToAnAllowedOriginAreReadableWithTheirHeaders() {
        Response r = given().header("Origin", ALLOWED).contentType(ContentType.JSON).body("{").post(CHAT);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(r.header("Access-Control-Allow-Credentials")).isNotEqualTo("true");
        assertThat(csv(r.header("Access-Control-Expose-Headers"))).contains("x-request-id", "retry-after",
                "x-ratelimit-remaining-requests", "x-nexus-provider");
        assertThat(r.jsonPath().getString("error.code")).isEqualTo("invalid_json");
        given().header("Origin", "https://other.example").contentType(ContentType.JSON)
                .body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").post(CHAT).then()
                .statusCode(401).header("Access-Control-Allow-Origin", "https://other.example");
    }

    @Test
    void anotherOriginGets403InTheEnvelope() {
        for (Response r : new Response[] {
                given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST").options(CHAT),
                given().header("Origin", "https://evil.example").contentType(ContentType.JSON).body("{").post(CHAT),
                given().header("Origin", "https://app.example.evil.example").get("/v1/models")}) {
            r.then().statusCode(403).contentType(ContentType.JSON)
                    .header("Access-Control-Allow-Origin", nullValue())
                    .header("x-request-id", notNullValue())
                    .body("error.type", equalTo("permission_error"))
                    .body("error.code", equalTo("origin_not_allowed"));
        }
    }

    @Test
    void clientsWithoutAnOriginAreNotConcerned() {
        given().contentType(ContentType.JSON).body("{").post(CHAT).then().statusCode(400)
                .header("Access-Control-Allow-Origin", nullValue()).body("error.code", equalTo("invalid_json"));
        given().get("/v1/models").then().statusCode(401);
    }

    private static Set<String> csv(String header) {
        assertThat(header).isNotNull();
        return Arrays.stream(header.split(",")).map(String::trim).map(String::toLowerCase).collect(Collectors.toSet());
    }
}
