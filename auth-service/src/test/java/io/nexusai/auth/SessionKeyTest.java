package io.nexusai.auth;

import io.nexusai.api.auth.SessionKeys;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.ControlPlaneFixtures;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class SessionKeyTest {
    static final String SECRET = "test-only-secret-key-0123456789abcdef0123";

    @Test
    void mintsANarrowerShortLivedJwtSignedWithTheSecretKey() throws Exception {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        db.tenant("sess-a", List.of("nexus-a", "nexus-b"));
        String appKey = db.appKey("sess-a", List.of());

        String jwt = given().header("Authorization", "Bearer " + appKey).contentType(ContentType.JSON)
                .body(Map.of("models", List.of("nexus-b"), "ttl_seconds", 600, "token_budget", 5000))
                .post("/v1/auth/session-keys").then().statusCode(201)
                .body("object", equalTo("session_key")).body("session_key", startsWith("eyJ"))
                .body("tenant_id", equalTo("sess-a")).body("models", contains("nexus-b")).body("token_budget", equalTo(5000))
                .extract().path("session_key");

        JwtClaims claims = new JwtConsumerBuilder().setVerificationKey(SessionKeys.signingKey(SECRET)).setExpectedIssuer("nexusai")
                .build().processToClaims(jwt);
        assertThat(claims.getStringClaimValue("tid")).isEqualTo("sess-a");
        assertThat(claims.getStringListClaimValue("models")).containsExactly("nexus-b");
        assertThat(claims.getStringClaimValue("lvl")).isEqualTo("session");
        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(600);
        assertThat(claims.getSubject()).startsWith("key_");
        assertThat(jwt).doesNotContain(appKey);
    }

    @Test
    void refusesScopeBeyondTheParentTooLongLivesAndWrongKeys() {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        db.tenant("sess-b", List.of("nexus-a"));
        String appKey = db.appKey("sess-b", List.of());
        given().header("Authorization", "Bearer " + appKey).contentType(ContentType.JSON)
                .body(Map.of("models", List.of("nexus-a", "nexus-z"))).post("/v1/auth/session-keys").then()
                .statusCode(403).body("error.code", equalTo("scope_exceeded"));
        given().header("Authorization", "Bearer " + appKey).contentType(ContentType.JSON)
                .body(Map.of("ttl_seconds", 90_000)).post("/v1/auth/session-keys").then()
                .statusCode(400).body("error.param", equalTo("ttl_seconds"));
        given().header("Authorization", "Bearer " + db.adminKey()).contentType(ContentType.JSON).body("{}")
                .post("/v1/auth/session-keys").then().statusCode(403).body("error.code", equalTo("app_key_required"));
        given().header("Authorization", "Bearer nx-app-unknown").contentType(ContentType.JSON).body("{}")
                .post("/v1/auth/session-keys").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").post("/v1/auth/session-keys").then().statusCode(401);
        String jwt = given().header("Authorization", "Bearer " + appKey).contentType(ContentType.JSON).body("{}")
                .post("/v1/auth/session-keys").then().statusCode(201).extract().path("session_key");
        given().header("Authorization", "Bearer " + jwt).contentType(ContentType.JSON).body("{}")
                .post("/v1/auth/session-keys").then().statusCode(403).body("error.code", equalTo("app_key_required"));
        db.revoke(appKey);
        given().header("Authorization", "Bearer " + appKey).contentType(ContentType.JSON).body("{}")
                .post("/v1/auth/session-keys").then().statusCode(401);
    }
}
