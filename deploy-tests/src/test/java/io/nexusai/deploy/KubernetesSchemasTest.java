package io.nexusai.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The schemas catch what they are there to catch; a validator that accepts everything would prove nothing. */
class KubernetesSchemasTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private final KubernetesSchemas schemas = KubernetesSchemas.get(Chart.WORK.resolve("schemas"));

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
            spec:
              replicas: 2
              selector:
                matchLabels: {app: demo}
              template:
                metadata:
                  labels: {app: demo}
                spec:
                  containers:
                    - name: demo
                      image: demo:1
                      ports:
                        - {name: http, containerPort: 8080}
                      readinessProbe:
                        httpGet: {path: /q/health/ready, port: http}
                      resources:
                        requests: {cpu: 100m, memory: 128Mi}
                        limits: {cpu: 1, memory: 256Mi}
            """;

    private static final String SERVICE_MONITOR = """
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata:
              name: demo
            spec:
              selector:
                matchLabels: {app: demo}
              endpoints:
                - port: management
                  path: /q/metrics
                  interval: 30s
            """;

    @Test
    void aValidDeploymentPasses() throws IOException {
        assertThat(schemas.validate(yaml(DEPLOYMENT))).isEmpty();
    }

    @Test
    void aMisspeltFieldFails() throws IOException {
        String misspelt = DEPLOYMENT.replace("readinessProbe:", "readinesProbe:");
        assertThat(schemas.validate(yaml(misspelt))).anySatisfy(p -> assertThat(p).contains("readinesProbe"));
    }

    @Test
    void aFieldInTheWrongPlaceFails() throws IOException {
        String misplaced = DEPLOYMENT.replace("  replicas: 2", "  replicas: 2\n  containers: []");
        assertThat(schemas.validate(yaml(misplaced))).anySatisfy(p -> assertThat(p).contains("containers"));
    }

    @Test
    void aMissingRequiredFieldFails() throws IOException {
        String nameless = DEPLOYMENT.replace("- name: demo\n          image:", "- image:");
        String unselected = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: demo}\n", "");
        assertThat(nameless).isNotEqualTo(DEPLOYMENT);
        assertThat(unselected).isNotEqualTo(DEPLOYMENT);
        assertThat(schemas.validate(yaml(nameless))).anySatisfy(p -> assertThat(p).contains("name"));
        assertThat(schemas.validate(yaml(unselected))).anySatisfy(p -> assertThat(p).contains("selector"));
    }

    @Test
    void aWrongTypeFails() throws IOException {
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("replicas: 2", "replicas: two"))))
                .anySatisfy(p -> assertThat(p).contains("replicas"));
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("containerPort: 8080", "containerPort: [8080]"))))
                .anySatisfy(p -> assertThat(p).contains("containerPort"));
    }

    @Test
    void aQuantityMustBeOneKubernetesParses() throws IOException {
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("memory: 256Mi", "memory: 256 MiB"))))
                .anySatisfy(p -> assertThat(p).contains("memory"));
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("cpu: 100m", "cpu: half"))))
                .anySatisfy(p -> assertThat(p).contains("cpu"));
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("cpu: 100m", "cpu: 0.5").replace("memory: 256Mi", "memory: 1e9"))))
                .isEmpty();
        String hpa = """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: demo}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: demo}
                  maxReplicas: 4
                  metrics:
                    - type: Pods
                      pods:
                        metric: {name: requests_in_flight}
                        target: {type: AverageValue, averageValue: "512"}
                """;
        assertThat(schemas.validate(yaml(hpa))).isEmpty();
        assertThat(schemas.validate(yaml(hpa.replace("\"512\"", "512 requests")))).anySatisfy(p -> assertThat(p).contains("averageValue"));
        assertThat(schemas.validate(yaml(hpa.replace("metric: {name: requests_in_flight}", "metric: {}"))))
                .anySatisfy(p -> assertThat(p).contains("name"));
    }

    @Test
    void anUnknownOrRemovedApiVersionHasNoSchema() throws IOException {
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"))))
                .singleElement().asString().startsWith("no schema for extensions/v1beta1 Deployment");
        assertThat(schemas.validate(yaml("{apiVersion: policy/v1beta1, kind: PodDisruptionBudget, metadata: {name: x}}")))
                .singleElement().asString().startsWith("no schema for");
    }

    @Test
    void aServiceMonitorIsCheckedAgainstThePrometheusOperatorSchema() throws IOException {
        assertThat(schemas.validate(yaml(SERVICE_MONITOR))).isEmpty();
        assertThat(schemas.validate(yaml(SERVICE_MONITOR.replace("path:", "pathh:"))))
                .anySatisfy(p -> assertThat(p).contains("pathh"));
        assertThat(schemas.validate(yaml(SERVICE_MONITOR.replace("interval: 30s", "interval: 30"))))
                .anySatisfy(p -> assertThat(p).contains("interval"));
        String unselected = SERVICE_MONITOR.replace("  selector:\n    matchLabels: {app: demo}\n", "");
        assertThat(schemas.validate(yaml(unselected))).anySatisfy(p -> assertThat(p).contains("selector"));
    }

    @Test
    void namesAreRequired() throws IOException {
        assertThat(schemas.validate(yaml(DEPLOYMENT.replace("  name: demo\nspec:", "  labels: {}\nspec:"))))
                .anySatisfy(p -> assertThat(p).contains("name"));
    }

    private static ObjectNode yaml(String text) throws IOException {
        return (ObjectNode) YAML.readTree(text);
    }
}
