package io.nexusai.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * values.yaml has no secrets; without them (or an existing Secret), or without a PostgreSQL host, the chart
 * refuses to render, and says why.
 */
class RequiredValuesTest {

    @Test
    void withoutSecretsTheChartSaysWhatIsMissing() {
        assertThatThrownBy(() -> Chart.template(Chart.DIR, null))
                .hasMessageContaining("secrets.nexusSecretKey is required")
                .hasMessageContaining("secrets.existingSecret");
    }

    @Test
    void eachMissingSecretIsNamed() {
        for (String secret : new String[]{"nexusSecretKey", "dbEncryptionKey", "dbPassword", "redisUrl"}) {
            assertThatThrownBy(() -> templateDefault(Map.of("secrets." + secret, "")))
                    .as(secret).hasMessageContaining("secrets." + secret + " is required");
        }
    }

    @Test
    void shortKeysAreRefused() {
        assertThatThrownBy(() -> templateDefault(Map.of("secrets.nexusSecretKey", "too-short")))
                .hasMessageContaining("secrets.nexusSecretKey must be at least 32 characters");
        assertThatThrownBy(() -> templateDefault(Map.of("secrets.dbEncryptionKey", "too-short")))
                .hasMessageContaining("secrets.dbEncryptionKey must be at least 32 characters");
        assertThatThrownBy(() -> templateDefault(Map.of("secrets.nexusSecretKeyPrevious", "too-short")))
                .hasMessageContaining("secrets.nexusSecretKeyPrevious must be at least 32 characters");
    }

    @Test
    void aMalformedBootstrapAdminKeyIsRefused() {
        assertThatThrownBy(() -> templateDefault(Map.of("secrets.bootstrapAdminKey", "admin")))
                .hasMessageContaining("secrets.bootstrapAdminKey must be nx-adm- followed by 40");
    }

    @Test
    void theDatabaseHostIsRequiredEvenWithAnExistingSecret() {
        assertThatThrownBy(() -> new Helm(Chart.DIR).template().withName(Chart.RELEASE).withKubeVersion(Chart.KUBE_VERSION)
                .set("secrets.existingSecret", "mine").call())
                .hasMessageContaining("database.host is required");
    }

    @Test
    void exportingTracesNeedsACollector() {
        assertThatThrownBy(() -> templateDefault(Map.of("tracing.export", "true")))
                .hasMessageContaining("tracing.export needs tracing.otlpEndpoint");
        assertThat(templateDefault(Map.of("tracing.export", "true", "tracing.otlpEndpoint", "http://otel-collector:4317")))
                .contains("NEXUS_OTLP_ENDPOINT: \"http://otel-collector:4317\"");
    }

    @Test
    void aRedisNamespaceWithBracesIsRefused() {
        assertThatThrownBy(() -> templateDefault(Map.of("redis.namespace", "{nexus}")))
                .hasMessageContaining("redis.namespace must be a non-empty name without braces");
    }

    @Test
    void aRedisClusterIsAClientTypeOfEveryService() {
        assertThat(templateDefault(Map.of())).contains("NEXUS_REDIS_CLIENT_TYPE: \"standalone\"");
        assertThat(templateDefault(Map.of("redis.clientType", "cluster"))).contains("NEXUS_REDIS_CLIENT_TYPE: \"cluster\"");
        assertThatThrownBy(() -> templateDefault(Map.of("redis.clientType", "sentinel")))
                .hasMessageContaining("redis.clientType must be standalone or cluster");
        // a comma in --set separates values: escaped, it is part of the URL
        String nodes = "redis://:pw@redis-cluster-0.redis-cluster-headless:6379\\,redis://:pw@redis-cluster-1.redis-cluster-headless:6379";
        assertThatThrownBy(() -> templateDefault(Map.of("secrets.redisUrl", nodes)))
                .hasMessageContaining("secrets.redisUrl lists several Redis nodes (comma-separated): that is a Redis Cluster");
        assertThat(templateDefault(Map.of("secrets.redisUrl", nodes, "redis.clientType", "cluster")))
                .contains("NEXUS_REDIS_CLIENT_TYPE: \"cluster\"");
    }

    @Test
    void anExistingSecretNeedsNoSecretValues() {
        String manifest = new Helm(Chart.DIR).template().withName(Chart.RELEASE).withKubeVersion(Chart.KUBE_VERSION)
                .set("secrets.existingSecret", "mine").set("database.host", "db").call();
        assertThat(manifest).contains("name: mine").doesNotContain("kind: Secret");
    }

    private static String templateDefault(Map<String, String> overrides) {
        TemplateCommand template = new Helm(Chart.DIR).template().withName(Chart.RELEASE)
                .withKubeVersion(Chart.KUBE_VERSION).withValuesFile(Chart.ciValues("default"));
        for (var override : overrides.entrySet()) {
            template = template.set(override.getKey(), override.getValue());
        }
        return template.call();
    }
}
