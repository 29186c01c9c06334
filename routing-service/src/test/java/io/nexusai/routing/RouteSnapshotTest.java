package io.nexusai.routing;

import io.nexusai.api.auth.InternalToken;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.ControlPlaneFixtures;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class RouteSnapshotTest {
    static final String SECRET = "test-only-secret-key-0123456789abcdef0123";
    static final String DB_KEY = "test-only-db-encryption-key-0123456789abcdef";

    @Test
    void snapshotGroupsActiveDeploymentsByAliasWithProviderDefaults() throws Exception {
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

        RouteSnapshot snapshot = RouteTableWire.read(new ByteArrayInputStream(given().header("Authorization", "Bearer " + InternalToken.derive(SECRET))
                .get("/internal/v1/routes").then().statusCode(200).contentType(startsWith("application/json")).extract().asByteArray())).snapshot();
        assertThat(snapshot.version()).isZero();
        assertThat(snapshot.routes()).containsOnlyKeys("nexus-gpt4");
        List<Deployment> deployments = snapshot.routes().get("nexus-gpt4").deployments();
        assertThat(deployments).hasSize(2);
        assertThat(deployments.get(0).providerName()).isEqualTo("openai-main");
        assertThat(deployments.get(0).providerKind()).isEqualTo(ProviderKind.OPENAI);
        assertThat(deployments.get(0).weight()).isEqualTo(100);
        assertThat(deployments.get(0).rateLimit()).isEqualTo(60);
        assertThat(deployments.get(0).costMultiplier()).isEqualByComparingTo("1.5");
        assertThat(deployments.get(0).apiKeyEnvelope()).startsWith("nxenc:v1:");
        assertThat(deployments.get(1).providerKind()).isEqualTo(ProviderKind.AZURE);
        assertThat(deployments.get(1).weight()).isEqualTo(30);
        assertThat(deployments.get(1).regionWeights()).containsEntry("eastus", 60);
    }

    @Test
    void snapshotNeedsTheServiceToken() {
        given().get("/internal/v1/routes").then().statusCode(401).body("error.code", equalTo("invalid_service_token"));
    }
}
