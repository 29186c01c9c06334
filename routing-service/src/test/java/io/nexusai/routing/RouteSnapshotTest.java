package io.nexusai.routing;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.ControlPlaneFixtures;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class RouteSnapshotTest {
    static final String SECRET = "test-only-secret-key-0123456789abcdef0123";
    static final String DB_KEY = "test-only-db-encryption-key-0123456789abcdef";

    @Test
    void snapshotGroupsActiveDeploymentsByAliasWithProviderDefaults() {
        ControlPlaneFixtures db = ControlPlaneDbTestResource.fixtures();
        long openai = db.provider("openai-main", "openai", "https://api.openai.test/v1", "sk-openai-secret-1", DB_KEY);
        long azure = db.provider("azure-east", "azure", "https://east.openai.azure.test", "azure-secret-2", DB_KEY);
        long off = db.provider("disabled", "openai", "https://off.test/v1", "sk-off", DB_KEY);
        db.execute("UPDATE service_providers SET is_active = false WHERE id = " + off);
        db.route("nexus-gpt4", openai, "gpt-4o", new BigDecimal("1.5"), null, Map.of());
        db.route("nexus-gpt4", azure, "gpt-4o-deploy", BigDecimal.ONE, 30, Map.of("eastus", 60, "westus", 40));
        db.route("nexus-gpt4", off, "gpt-4o", BigDecimal.ONE, null, Map.of());
        long inactive = db.route("nexus-old", openai, "gpt-3.5-turbo", BigDecimal.ONE, null, Map.of());
        db.execute("UPDATE model_routes SET is_active = false WHERE id = " + inactive);

        given().header("Authorization", "Bearer " + InternalToken.derive(SECRET))
                .get("/internal/v1/routes").then().statusCode(200)
                .body("version", equalTo(0))
                .body("routes.size()", equalTo(1))
                .body("routes.nexus-old", nullValue())
                .body("routes.nexus-gpt4.deployments", hasSize(2))
                .body("routes.nexus-gpt4.deployments[0].provider_name", equalTo("openai-main"))
                .body("routes.nexus-gpt4.deployments[0].provider_kind", equalTo("openai"))
                .body("routes.nexus-gpt4.deployments[0].weight", equalTo(100))
                .body("routes.nexus-gpt4.deployments[0].rate_limit", equalTo(60))
                .body("routes.nexus-gpt4.deployments[0].cost_multiplier", equalTo(1.5f))
                .body("routes.nexus-gpt4.deployments[0].api_key_envelope", startsWith("nxenc:v1:"))
                .body("routes.nexus-gpt4.deployments[1].provider_kind", equalTo("azure"))
                .body("routes.nexus-gpt4.deployments[1].weight", equalTo(30))
                .body("routes.nexus-gpt4.deployments[1].region_weights.eastus", equalTo(60));
    }

    @Test
    void snapshotNeedsTheServiceToken() {
        given().get("/internal/v1/routes").then().statusCode(401).body("error.code", equalTo("invalid_service_token"));
    }
}
