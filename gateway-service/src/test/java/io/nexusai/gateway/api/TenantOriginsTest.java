package io.nexusai.gateway.api;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * Tenants' own origins (the default, no gateway-wide list): a preflight of any origin is answered, since it carries
 * no key and grants nothing; what a request of an origin gets is decided once its key is known, so without a valid
 * key its answer is never readable by the page. The tenant side (its origins allowed, another's refused) runs end to
 * end in NpmClientsIT, where auth-service knows tenants.
 */
@QuarkusTest
@TestProfile(TenantOriginsTest.Profile.class)
@WithTestResource(RedisTestResource.class)
class TenantOriginsTest {
    static final String CHAT = "/v1/chat/completions";
    static final String PAGE = "https://tenant-app.example";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.rest-client.auth-service.url", "http://127.0.0.1:1",
                    "quarkus.rest-client.routing-service.url", "http://127.0.0.1:1");
        }
    }

    @Test
    void aPreflightOfAnyOriginIsAnsweredWithoutCredentials() {
        Response r = given().header("Origin", PAGE).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").options(CHAT);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
        assertThat(r.header("Access-Control-Allow-Headers")).isEqualTo("authorization, content-type");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.header("Vary")).contains("Origin");
        assertThat(r.header("x-request-id")).isNotBlank();
    }

    @Test
    void withoutAValidKeyTheAnswerIsNotReadableByThePage() {
        given().header("Origin", PAGE).contentType(ContentType.JSON)
                .body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").post(CHAT)
                .then().statusCode(401).header("Access-Control-Allow-Origin", nullValue()).header("x-request-id", notNullValue());
        given().header("Origin", PAGE).contentType(ContentType.JSON).body("{").post(CHAT)
                .then().statusCode(400).header("Access-Control-Allow-Origin", nullValue()).body("error.code", equalTo("invalid_json"));
        given().header("Origin", PAGE).get("/v1/models").then().statusCode(401).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void clientsWithoutAnOriginAreNotConcerned() {
        given().contentType(ContentType.JSON).body("{").post(CHAT).then().statusCode(400)
                .header("Access-Control-Allow-Origin", nullValue()).body("error.code", equalTo("invalid_json"));
    }
}
