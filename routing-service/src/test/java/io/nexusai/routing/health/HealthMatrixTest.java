package io.nexusai.routing.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.routing.HealthReports;
import io.nexusai.api.routing.TargetReport;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

/** The provider health matrix merged from gateway reports in a real Redis. */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class HealthMatrixTest {
    @Inject
    HealthMatrix matrix;
    @Inject
    RedisDataSource redis;
    @Inject
    PlatformSecrets secrets;
    @Inject
    ObjectMapper mapper;
    @Inject
    MeterRegistry meters;

    /** Publishes a report the way a gateway does: the latest in the hash, the change on the stream, a heartbeat. */
    void report(TargetReport r) throws Exception {
        publish(r.gateway(), r.target(), mapper.writeValueAsString(r), r.reportedAtMs());
    }

    void publish(String gateway, String target, String json, long atMs) {
        var names = secrets.redisNames();
        redis.hash(String.class).hset(names.healthHash(), HealthReports.field(gateway, target), json);
        redis.stream(String.class).xadd(names.healthStream(), Map.of(HealthReports.GATEWAY, gateway, HealthReports.AT,
                Long.toString(atMs), target, json));
        redis.hash(String.class).hset(names.healthGateways(), gateway, HealthReports.heartbeat(atMs, 0));
    }

    HealthMatrix.Matrix refreshed() throws Exception {
        matrix.refresh().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return matrix.current();
    }

    static HealthMatrix.TargetHealth target(HealthMatrix.Matrix m, String provider, String target) {
        return m.providers().get(provider).stream().filter(t -> t.target().equals(target)).findFirst().orElseThrow();
    }

    double gauge(String name, String deployment) {
        return meters.get(name).tag("deployment", deployment).gauge().value();
    }

    double deployments(String provider, String health) {
        return meters.get("nexus.provider.deployments").tag("provider", provider).tag("health", health).gauge().value();
    }

    @Test
    void reportsOfEveryGatewayAreMergedPerTargetWithFailuresSinceTheyBeganCounting() throws Exception {
        long now = System.currentTimeMillis();
        // gateway a began counting for target 501 a second ago: all it counted is within the window
        report(new TargetReport("gw-a", "501", 501, "azure-east", null, 2, 10, 40, 90, 120, "OPEN", now, now - 1_000));
        // gateway b has served it for an hour: its first report is only the baseline
        report(new TargetReport("gw-b", "501", 501, "azure-east", null, 1_000, 3, 30, 60, 80, "CLOSED", now, now - 3_600_000));
        report(new TargetReport("gw-a", "502@westus", 502, "azure-east", "westus", 7, 0, 10, 20, 30, "CLOSED", now, now - 1_000));
        // a gateway that stopped reporting two minutes ago is not counted
        report(new TargetReport("gw-gone", "503", 503, "openai", null, 0, 99, 1, 1, 1, "OPEN", now - 120_000, now - 200_000));
        publish("gw-x", "garbage", "{not json", now);

        HealthMatrix.Matrix m = refreshed();
        HealthMatrix.TargetHealth t = target(m, "azure-east", "501");
        assertThat(t.gateways()).isEqualTo(2);
        assertThat(t.gatewaysWithBreakerOpen()).isEqualTo(1);
        assertThat(t.breaker()).isEqualTo("OPEN");
        assertThat(t.status()).isEqualTo("degraded");
        assertThat(t.requests()).isEqualTo(12);
        assertThat(t.failures()).isEqualTo(10);
        assertThat(t.errorRate()).isCloseTo(10 / 12.0, within(1e-9));
        assertThat(t.p99Ms()).isEqualTo(120);
        HealthMatrix.TargetHealth west = target(m, "azure-east", "502@westus");
        assertThat(west.status()).isEqualTo("healthy");
        assertThat(west.region()).isEqualTo("westus");
        assertThat(m.providers()).doesNotContainKey("openai");
        assertThat(redis.hash(String.class).hexists(secrets.redisNames().healthHash(), "gw-x|garbage")).isFalse();
        assertThat(gauge("nexus.provider.breaker.open.gateways", "501")).isEqualTo(1);
        assertThat(gauge("nexus.provider.up", "501")).isEqualTo(1);
        assertThat(deployments("azure-east", "healthy")).isEqualTo(1);
        assertThat(deployments("azure-east", "degraded")).isEqualTo(1);
        assertThat(deployments("azure-east", "down")).isZero();
        // the stale gateway's only target counts nowhere, but its provider has its three series
        assertThat(deployments("openai", "healthy") + deployments("openai", "degraded") + deployments("openai", "down")).isZero();

        // both gateways now have it open, and b counted 5 more failures: down
        long later = System.currentTimeMillis();
        report(new TargetReport("gw-a", "501", 501, "azure-east", null, 2, 10, 40, 90, 120, "OPEN", later, now - 1_000));
        report(new TargetReport("gw-b", "501", 501, "azure-east", null, 1_000, 8, 30, 60, 80, "OPEN", later, now - 3_600_000));
        m = refreshed();
        t = target(m, "azure-east", "501");
        assertThat(t.status()).isEqualTo("down");
        assertThat(t.failures()).isEqualTo(15);
        assertThat(gauge("nexus.provider.up", "501")).isZero();
        assertThat(gauge("nexus.provider.breaker.open.gateways", "501")).isEqualTo(2);
        assertThat(deployments("azure-east", "down")).isEqualTo(1);
        assertThat(deployments("azure-east", "degraded")).isZero();
        assertThat(deployments("azure-east", "healthy")).isEqualTo(1);
    }

    @Test
    void theHealthEndpointNeedsAnAdminKey() {
        given().get("/admin/v1/providers/health").then().statusCode(401).body("error.type", equalTo("authentication_error"));
        assertThat(List.of(matrix.current().object())).containsExactly("provider_health");
    }
}
