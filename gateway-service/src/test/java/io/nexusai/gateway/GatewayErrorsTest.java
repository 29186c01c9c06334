package io.nexusai.gateway;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * Bad input is refused in OpenAI's error envelope before anything else is asked: these tests run with no
 * control plane at all (auth- and routing-service unreachable).
 */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class GatewayErrorsTest {
    static final String CHAT = "/v1/chat/completions";
    static final String VALID = "{\"model\":\"nexus-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void malformedJsonIs400() {
        given().contentType(ContentType.JSON).body("{\"model\":").post(CHAT).then().statusCode(400)
                .header("x-request-id", notNullValue())
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_json"))
                .body("error.param", nullValue())
                .body("error.message", not(containsString("Exception")));
        given().contentType(ContentType.JSON).body("[1,2]").post(CHAT).then().statusCode(400);
        given().contentType(ContentType.JSON).body("").post(CHAT).then().statusCode(400);
    }

    @Test
    void missingOrWronglyTypedFieldsNameTheParam() {
        given().contentType(ContentType.JSON).body("{\"messages\":[]}").post(CHAT).then().statusCode(400)
                .body("error.param", equalTo("model"));
        given().contentType(ContentType.JSON).body("{\"model\":42,\"messages\":[]}").post(CHAT).then().statusCode(400)
                .body("error.param", equalTo("model"));
        given().contentType(ContentType.JSON).body("{\"model\":\"m\"}").post(CHAT).then().statusCode(400)
                .body("error.param", equalTo("messages"));
        given().contentType(ContentType.JSON).body("{\"model\":\"m\",\"messages\":\"hi\"}").post(CHAT).then().statusCode(400)
                .body("error.param", equalTo("messages"));
        given().contentType(ContentType.JSON).body("{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}").post(CHAT).then()
                .statusCode(400).body("error.param", equalTo("messages[0].role"));
        given().contentType(ContentType.JSON).body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"stream\":\"yes\"}")
                .post(CHAT).then().statusCode(400).body("error.param", equalTo("stream"));
    }

    @Test
    void missingOrMalformedKeyIs401() {
        given().contentType(ContentType.JSON).body(VALID).post(CHAT).then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"))
                .body("error.type", equalTo("authentication_error"));
        given().contentType(ContentType.JSON).header("Authorization", "Basic dXNlcjpwYXNz").body(VALID).post(CHAT).then()
                .statusCode(401);
    }

    @Test
    void unknownKeyWithoutAuthServiceIs503NotA500() {
        given().contentType(ContentType.JSON).header("Authorization", "Bearer nx-app-unknownkey").body(VALID).post(CHAT).then()
                .statusCode(503).body("error.type", equalTo("service_unavailable"))
                .body(not(containsString("nx-app-unknownkey")));
    }

    @Test
    void wrongContentTypeUrlAndMethod() {
        given().contentType(ContentType.XML).body("<chat/>").post(CHAT).then().statusCode(415)
                .body("error.code", equalTo("unsupported_media_type"));
        given().contentType(ContentType.TEXT).body(VALID).post(CHAT).then().statusCode(415);
        given().get(CHAT).then().statusCode(405).header("Allow", "POST").body("error.code", equalTo("method_not_allowed"));
        given().contentType(ContentType.JSON).body(VALID).post("/v1/nothing").then().statusCode(404)
                .header("x-request-id", notNullValue())
                .body("error.code", equalTo("unknown_url"));
    }

    /** Every answer carries an x-request-id, errors before any pipeline included, and no path gets the server's HTML page. */
    @Test
    void unknownUrlsAnywhereGetTheEnvelopeAndARequestId() {
        for (String path : new String[] {"/", "/nothing", "/v2/chat/completions", "/q/metrics", "/v1"}) {
            given().get(path).then().statusCode(404).contentType(ContentType.JSON)
                    .header("x-request-id", org.hamcrest.Matchers.startsWith("req_"))
                    .body("error.code", equalTo("unknown_url"))
                    .body("error.type", equalTo("invalid_request_error"));
        }
        given().header("x-request-id", "client-404").delete("/nothing").then().statusCode(404)
                .header("x-request-id", equalTo("client-404"));
        given().get(CHAT).then().statusCode(405).header("x-request-id", notNullValue());
    }

    /**
     * Without nexus.gateway.cors.origins a page gets no readable answer unless its key's tenant allows its origin (the
     * preflight, which carries no key, is answered: TenantOriginsTest).
     */
    @Test
    void noReadableCrossOriginAnswerByDefault() {
        given().header("Origin", "https://app.example").contentType(ContentType.JSON).body("{").post(CHAT).then()
                .statusCode(400).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void oversizedBodyIs413() {
        String huge = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}]}";
        given().contentType(ContentType.JSON).body(huge).post(CHAT).then().statusCode(413)
                .body("error.code", equalTo("request_too_large"));
    }

    /**
     * The model APIs read bodies themselves: over HTTP/2 (here cleartext, upgraded from HTTP/1.1 as java.net.http
     * does) as over HTTP/1.1, and more than once on one connection.
     */
    @Test
    void bodiesAreReadOverHttp2AndHttp11() throws Exception {
        for (java.net.http.HttpClient.Version version : java.net.http.HttpClient.Version.values()) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(version).build();
            for (int i = 0; i < 3; i++) {
                java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + CHAT))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer nx-app-x")
                        .timeout(java.time.Duration.ofSeconds(10))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(i == 1 ? "{\"model\":" : VALID)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                org.assertj.core.api.Assertions.assertThat(r.statusCode()).as(version + " request " + i).isEqualTo(i == 1 ? 400 : 503);
                org.assertj.core.api.Assertions.assertThat(r.body()).contains("\"error\"");
            }
        }
    }

    @Test
    void clientRequestIdIsEchoedWhenSane() {
        given().contentType(ContentType.JSON).header("x-request-id", "client-abc.123").body("{").post(CHAT).then()
                .header("x-request-id", equalTo("client-abc.123"));
        given().contentType(ContentType.JSON).header("x-request-id", "bad id\twith spaces").body("{").post(CHAT).then()
                .header("x-request-id", not(equalTo("bad id\twith spaces")));
    }
}
