package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.jni.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;

import static io.nexusai.deploy.Rendered.COMPONENT;
import static io.nexusai.deploy.Rendered.label;
import static io.nexusai.deploy.Rendered.name;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What must hold whatever the values: lint, schemas, labels, probes, security, Services and wiring. Runs for
 * every k8s/ci/*-values.yaml found (a new file is covered without a change here).
 */
class EveryValuesFileTest {

    private static final KubernetesSchemas SCHEMAS = KubernetesSchemas.get(Chart.WORK.resolve("schemas"));

    static Stream<Path> valuesFiles() {
        return Chart.ciValuesFiles().stream();
    }

    @Test
    void thereAreValuesFilesForEveryFeature() {
        assertThat(Chart.ciValuesFiles()).extracting(p -> p.getFileName().toString()).contains(
                "default-values.yaml", "existing-secret-values.yaml", "autoscaling-values.yaml",
                "network-policy-values.yaml", "service-monitor-values.yaml", "ingress-values.yaml",
                "dashboards-values.yaml", "autoscaling-in-flight-values.yaml", "redis-cluster-values.yaml");
    }

    @Test
    void theHelmLibraryComesWithTheBuildNotFromTheNetwork() {
        // helm-java downloads its native library at run time when no platform jar is on the class path.
        assertThat(ServiceLoader.load(NativeLibrary.class).findFirst())
                .as("com.marcnuri.helm-java:<platform> on the test class path").isPresent();
    }

    @Test
    void theChartAsItIsLints() {
        LintResult lint = Chart.lintAsIs();
        assertThat(lint.isFailed()).as("helm lint k8s/: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void lintPassesWithoutErrors(Path values) {
        LintResult lint = Chart.lint(values);
        assertThat(lint.isFailed()).as("helm lint -f %s: %s", values.getFileName(), lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyObjectMatchesTheSchemaOfItsKind(Path values) {
        Rendered rendered = Chart.render(values);
        assertThat(rendered.objects()).isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (ObjectNode object : rendered.objects()) {
            SCHEMAS.validate(object).forEach(p -> problems.add(object.path("kind").asText() + "/" + name(object) + ": " + p));
        }
        assertThat(problems).as("schema violations in %s", values.getFileName()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void objectNamesAreUniqueValidAndInTheReleaseNamespace(Path values) {
        Rendered rendered = Chart.render(values);
        Set<String> seen = new HashSet<>();
        for (ObjectNode object : rendered.objects()) {
            String name = name(object);
            assertThat(seen.add(object.path("kind").asText() + "/" + name)).as("duplicate %s", name).isTrue();
            assertThat(name).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
            assertThat(object.at("/metadata/namespace").asText()).as("namespace of %s", name).isNotEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyObjectCarriesTheStandardLabels(Path values) {
        for (ObjectNode object : Chart.render(values).objects()) {
            JsonNode labels = object.at("/metadata/labels");
            assertThat(labels.path("app.kubernetes.io/name").asText()).as("name label of %s", name(object)).isEqualTo("nexusai");
            assertThat(labels.path("app.kubernetes.io/instance").asText()).isEqualTo(Chart.RELEASE);
            assertThat(labels.path("app.kubernetes.io/version").asText()).isNotEmpty();
            assertThat(labels.path("app.kubernetes.io/part-of").asText()).isEqualTo("nexusai");
            assertThat(labels.path("app.kubernetes.io/managed-by").asText()).isEqualTo("Helm");
            assertThat(labels.path("helm.sh/chart").asText()).startsWith("nexusai-");
        }
        Rendered rendered = Chart.render(values);
        for (String kind : List.of("Deployment", "Service", "NetworkPolicy", "ServiceMonitor", "HorizontalPodAutoscaler",
                "PodDisruptionBudget", "Ingress")) {
            for (ObjectNode object : rendered.ofKind(kind)) {
                assertThat(label(object, COMPONENT)).as("component label of %s %s", kind, name(object))
                        .isIn(Chart.COMPONENTS);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void fiveDeploymentsWithTheirPortsAndJvmOptions(Path values) {
        Rendered rendered = Chart.render(values);
        assertThat(rendered.ofKind("Deployment")).hasSize(5);
        Map<String, int[]> ports = Map.of("gateway", new int[]{8080, 9321}, "admin", new int[]{8081, 9322},
                "auth", new int[]{8082, 9323}, "routing", new int[]{8083, 9324}, "metering", new int[]{8084, 9325});
        for (String component : Chart.COMPONENTS) {
            ObjectNode deployment = rendered.deployment(component);
            JsonNode pod = deployment.at("/spec/template");
            assertThat(pod.at("/metadata/labels")).as("pod labels of %s", component).isNotNull();
            deployment.at("/spec/selector/matchLabels").fields().forEachRemaining(selector ->
                    assertThat(pod.at("/metadata/labels").path(selector.getKey()).asText())
                            .as("%s pods carry their selector", component).isEqualTo(selector.getValue().asText()));
            JsonNode container = rendered.container(component);
            assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
            assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(ports.get(component)[0]);
            assertThat(container.at("/ports/1/name").asText()).isEqualTo("management");
            assertThat(container.at("/ports/1/containerPort").asInt()).isEqualTo(ports.get(component)[1]);
            Map<String, JsonNode> env = Rendered.env(container);
            assertThat(env.get("QUARKUS_HTTP_PORT").path("value").asText()).isEqualTo("" + ports.get(component)[0]);
            assertThat(env.get("MONITORING_PORT").path("value").asText()).isEqualTo("" + ports.get(component)[1]);
            String javaOpts = env.get("JAVA_OPTS").path("value").asText();
            assertThat(javaOpts).as("JAVA_OPTS of %s", component).contains("-XX:+UseSerialGC").containsPattern("-Xmx\\d+[mg]");
            assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
            assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();
            assertThat(pod.at("/metadata/annotations/checksum~1config").asText()).hasSize(64);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void probesAskTheHealthEndpointsOnTheManagementPort(Path values) {
        Rendered rendered = Chart.render(values);
        for (String component : Chart.COMPONENTS) {
            JsonNode container = rendered.container(component);
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                assertThat(container.at("/" + probe + "/httpGet/port").asText()).as("%s of %s", probe, component)
                        .isEqualTo("management");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyContainerRunsAsNonRootOnAReadOnlyRootFileSystem(Path values) {
        Rendered rendered = Chart.render(values);
        for (JsonNode pod : rendered.podSpecs()) {
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            List<JsonNode> containers = new ArrayList<>();
            pod.path("containers").forEach(containers::add);
            pod.path("initContainers").forEach(containers::add);
            for (JsonNode container : containers) {
                JsonNode security = container.path("securityContext");
                String name = container.path("name").asText();
                assertThat(security.path("runAsNonRoot").asBoolean()).as("runAsNonRoot of %s", name).isTrue();
                assertThat(security.path("runAsUser").asInt()).as("runAsUser of %s", name).isEqualTo(185);
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as("read-only root of %s", name).isTrue();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
                assertThat(security.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
                assertThat(security.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
                assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).as("mounts of %s", name)
                        .contains("/tmp");
            }
            assertThat(pod.path("volumes")).anySatisfy(volume -> {
                assertThat(volume.path("name").asText()).isEqualTo("tmp");
                assertThat(volume.has("emptyDir")).isTrue();
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void onlyTheGatewayServiceMayBeOfAnotherTypeThanClusterIP(Path values) {
        for (ObjectNode service : Chart.render(values).ofKind("Service")) {
            String type = service.at("/spec/type").asText("ClusterIP");
            if (!type.equals("ClusterIP")) {
                assertThat(label(service, COMPONENT)).as("%s is %s", name(service), type).isEqualTo("gateway");
                assertThat(service.at("/spec/ports").findValuesAsText("name"))
                        .as("the management port never leaves the cluster").doesNotContain("management");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyComponentHasAServiceForItsHttpAndManagementPorts(Path values) {
        Rendered rendered = Chart.render(values);
        for (String component : Chart.COMPONENTS) {
            List<ObjectNode> services = rendered.ofKind("Service", component);
            JsonNode podLabels = rendered.deployment(component).at("/spec/template/metadata/labels");
            Set<String> portNames = new HashSet<>();
            for (ObjectNode service : services) {
                service.at("/spec/selector").fields().forEachRemaining(selector ->
                        assertThat(podLabels.path(selector.getKey()).asText())
                                .as("%s selects the %s pods", name(service), component).isEqualTo(selector.getValue().asText()));
                for (JsonNode port : service.at("/spec/ports")) {
                    portNames.add(port.path("name").asText());
                    assertThat(port.path("targetPort").asText()).as("target port of %s", name(service))
                            .isEqualTo(port.path("name").asText());
                }
            }
            assertThat(portNames).as("ports of %s's Services", component).containsExactlyInAnyOrder("http", "management");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void environmentComesFromTheReleasesSecretAndConfigMap(Path values) {
        Rendered rendered = Chart.render(values);
        ObjectNode configMap = rendered.ofKind("ConfigMap").stream()
                .filter(c -> name(c).endsWith("-config")).findFirst().orElseThrow();
        List<ObjectNode> secrets = rendered.ofKind("Secret");
        assertThat(secrets).hasSizeLessThanOrEqualTo(1);
        String existing = secrets.isEmpty() ? "nexus-platform-secrets" : null; // the name every ci file uses
        for (String component : Chart.COMPONENTS) {
            for (JsonNode entry : Rendered.env(rendered.container(component)).values()) {
                JsonNode secretRef = entry.at("/valueFrom/secretKeyRef");
                if (!secretRef.isMissingNode()) {
                    String secretName = secretRef.path("name").asText();
                    if (existing != null) {
                        assertThat(secretName).as("%s of %s", entry.path("name").asText(), component).isEqualTo(existing);
                    } else {
                        ObjectNode secret = secrets.getFirst();
                        assertThat(secretName).isEqualTo(name(secret));
                        if (!secretRef.path("optional").asBoolean(false)) {
                            assertThat(secret.path("data").has(secretRef.path("key").asText()))
                                    .as("key %s in the Secret", secretRef.path("key").asText()).isTrue();
                        }
                    }
                }
                JsonNode configRef = entry.at("/valueFrom/configMapKeyRef");
                if (!configRef.isMissingNode()) {
                    assertThat(configRef.path("name").asText()).isEqualTo(name(configMap));
                    assertThat(configMap.path("data").has(configRef.path("key").asText()))
                            .as("key %s in the ConfigMap", configRef.path("key").asText()).isTrue();
                }
            }
        }
    }
}
