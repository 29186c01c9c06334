package io.nexusai.auth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.InternalToken;
import io.nexusai.api.auth.Principal;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.ControlPlaneFixtures;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class KeyResolveTest {
    static final String SECRET = "test-only-secret-key-0123456789abcdef0123";

    static RequestSpecification service() {
        return given().header("Authorization", "Bearer " + InternalToken.derive(SECRET)).contentType(ContentType.JSON);
    }

    @Test
    void resolvesAppKeysToPrincipalsWithEffectiveModels() {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        db.tenant("acme", List.of("nexus-a", "nexus-b"));
        String narrowed = db.appKey("acme", List.of("nexus-b", "nexus-z"));
        String wide = db.appKey("acme", List.of());

        service().body("{\"key_hash\":\"" + ApiKeys.hash(narrowed) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(200)
                .body("level", equalTo("app"))
                .body("tenant_id", equalTo("acme"))
                .body("allowed_models", contains("nexus-b"));
        service().body("{\"key_hash\":\"" + ApiKeys.hash(wide) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(200).body("allowed_models", contains("nexus-a", "nexus-b"));

        db.tenant("open", List.of());
        String open = db.appKey("open", List.of());
        service().body("{\"key_hash\":\"" + ApiKeys.hash(open) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(200).body("allowed_models", nullValue());

        String admin = db.adminKey();
        service().body("{\"key_hash\":\"" + ApiKeys.hash(admin) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(200).body("level", equalTo("admin")).body("tenant_id", nullValue());
    }

    @Test
    void revokedAndUnknownKeysAreNotFoundAndBatchDropsThem() {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        db.tenant("beta", List.of());
        String kept = db.appKey("beta", List.of());
        String revoked = db.appKey("beta", List.of());
        db.revoke(revoked);
        service().body("{\"key_hash\":\"" + ApiKeys.hash(revoked) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(404).body("error.code", equalTo("key_not_found"));
        service().body("{\"key_hash\":\"" + ApiKeys.hash("nx-app-nope") + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(404);
        service().body("{\"key_hashes\":[\"" + ApiKeys.hash(kept) + "\",\"" + ApiKeys.hash(revoked) + "\"]}")
                .post("/internal/v1/keys/resolve-batch").then().statusCode(200)
                .body("principals", aMapWithSize(1))
                .body("principals", hasKey(ApiKeys.hash(kept)));
        db.execute("UPDATE tenants SET is_active = false WHERE id = 'beta'");
        service().body("{\"key_hash\":\"" + ApiKeys.hash(kept) + "\"}").post("/internal/v1/keys/resolve").then().statusCode(404);
    }

    @Test
    void aRevalidationWithFingerprintsGetsOnlyTheChangedPrincipals() throws Exception {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        db.tenant("gamma", List.of("nexus-a", "nexus-b"));
        String same = db.appKey("gamma", List.of());
        String edited = db.appKey("gamma", List.of());
        String revoked = db.appKey("gamma", List.of());
        // the fingerprints of the principals a cache got from /resolve (as a gateway parses them)
        long sameFp = principal(same).fingerprint();
        long editedFp = principal(edited).fingerprint();
        long revokedFp = principal(revoked).fingerprint();
        db.execute("UPDATE api_keys SET allowed_models = ARRAY['nexus-a'] WHERE key_hash = '" + ApiKeys.hash(edited) + "'");
        db.revoke(revoked);

        String body = "{\"key_hashes\":[\"" + ApiKeys.hash(same) + "\",\"" + ApiKeys.hash(edited) + "\",\"" + ApiKeys.hash(revoked)
                + "\"],\"fingerprints\":[" + sameFp + "," + editedFp + "," + revokedFp + "]}";
        service().body(body).post("/internal/v1/keys/resolve-batch").then().statusCode(200)
                .body("unchanged", contains(ApiKeys.hash(same)))
                .body("principals", aMapWithSize(1))
                .body("principals." + ApiKeys.hash(edited) + ".allowed_models", contains("nexus-a"));
        // without fingerprints (a cache that predates them): every valid principal, none named unchanged
        service().body("{\"key_hashes\":[\"" + ApiKeys.hash(same) + "\",\"" + ApiKeys.hash(edited) + "\"]}")
                .post("/internal/v1/keys/resolve-batch").then().statusCode(200)
                .body("principals", aMapWithSize(2)).body("unchanged", org.hamcrest.Matchers.empty());
        // fingerprints that do not line up with the keys: a 400 in the error envelope
        service().body("{\"key_hashes\":[\"" + ApiKeys.hash(same) + "\"],\"fingerprints\":[1,2]}")
                .post("/internal/v1/keys/resolve-batch").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo("fingerprints"));
    }

    static Principal principal(String key) throws Exception {
        String json = service().body("{\"key_hash\":\"" + ApiKeys.hash(key) + "\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(200).extract().asString();
        return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json, Principal.class);
    }

    @Test
    void internalEndpointsNeedTheServiceTokenAndWellFormedInput() {
        given().contentType(ContentType.JSON).body("{\"key_hash\":\"" + "a".repeat(64) + "\"}")
                .post("/internal/v1/keys/resolve").then().statusCode(401).body("error.code", equalTo("invalid_service_token"));
        given().header("Authorization", "Bearer " + InternalToken.derive("another-secret-key-that-is-long-enough"))
                .contentType(ContentType.JSON).body("{}").post("/internal/v1/keys/resolve").then().statusCode(401);
        service().body("{\"key_hash\":\"nx-app-plaintext\"}").post("/internal/v1/keys/resolve").then()
                .statusCode(400).body("error.param", equalTo("key_hash"));
        service().body("not json").post("/internal/v1/keys/resolve").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
    }
}
