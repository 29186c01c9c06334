package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.nexusai.deploy.Rendered.COMPONENT;
import static io.nexusai.deploy.Rendered.label;
import static io.nexusai.deploy.Rendered.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** What each feature's values file (k8s/ci/) renders, and that optional objects appear only when asked for. */
class FeaturesTest {

    private static final String FULLNAME = Chart.RELEASE + "-nexusai";

    private static Rendered render(String name) {
        return Chart.render(Chart.ciValues(name));
    }

    @Test
    void defaultValuesRenderTheFiveServicesAndNothingOptional() {
        Rendered rendered = render("default");
        assertThat(rendered.kindCounts()).containsExactly(entry("ConfigMap", 1), entry("Deployment", 5),
                entry("Secret", 1), entry("Service", 5), entry("ServiceAccount", 1));
        for (String component : Chart.COMPONENTS) {
            assertThat(rendered.get("Service", FULLNAME + "-" + component).at("/spec/type").asText()).isEqualTo("ClusterIP");
        }
        assertThat(rendered.deployment("gateway").at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(rendered.container("gateway").path("image").asText()).isEqualTo("nexusai/gateway-service:0.1.0-SNAPSHOT");
    }

    @Test
    void theSecretHoldsTheGivenValuesUnderTheDocumentedKeys() {
        ObjectNode secret = render("default").get("Secret", FULLNAME);
        Map<String, String> data = new TreeMap<>();
        secret.path("data").fields().forEachRemaining(e ->
                data.put(e.getKey(), new String(Base64.getDecoder().decode(e.getValue().asText()))));
        assertThat(data).containsOnlyKeys("nexus-secret-key", "db-encryption-key", "db-password", "redis-url")
                .containsEntry("nexus-secret-key", "ci-only-nexus-secret-key-0123456789abcdef")
                .containsEntry("redis-url", "redis://:ci-only-redis-password@nexus-redis-master.databases.svc:6379");
        assertThat(render("default").deployment("auth").at("/spec/template/metadata/annotations/checksum~1secret").asText())
                .hasSize(64);
    }

    @Test
    void eachComponentGetsOnlyTheSettingsItNeeds() {
        Rendered rendered = render("default");
        Set<String> common = Set.of("QUARKUS_HTTP_PORT", "MONITORING_PORT", "JAVA_OPTS", "NEXUS_SECRET_KEY",
                "NEXUS_SECRET_KEY_PREVIOUS", "NEXUS_REDIS_URL", "NEXUS_REDIS_NAMESPACE", "NEXUS_REDIS_CLIENT_TYPE", "MALLOC_ARENA_MAX",
                "NEXUS_LOG_JSON", "NEXUS_TRACING_EXPORT", "NEXUS_TRACING_SAMPLE_RATIO", "NEXUS_OTLP_ENDPOINT");
        Set<String> database = Set.of("NEXUS_DB_HOST", "NEXUS_DB_PORT", "NEXUS_DB_NAME", "NEXUS_DB_USER", "NEXUS_DB_PASSWORD",
                "NEXUS_DB_TIMEOUT");
        Map<String, Set<String>> expected = Map.of(
                "gateway", union(common, Set.of("DB_ENCRYPTION_KEY", "NEXUS_AUTH_SERVICE_URL", "NEXUS_ROUTING_SERVICE_URL",
                        "NEXUS_METERING_SERVICE_URL", "NEXUS_GATEWAY_USAGE_SPOOL_DIR", "NEXUS_GATEWAY_USAGE_SPOOL_MAX_SIZE",
                        "NEXUS_GATEWAY_SNAPSHOT_FILE")),
                // admin: its console reads the health matrix (routing) and usage (metering)
                "admin", union(common, database, Set.of("DB_ENCRYPTION_KEY", "NEXUS_BOOTSTRAP_ADMIN_KEY", "NEXUS_ROUTING_SERVICE_URL",
                        "NEXUS_METERING_SERVICE_URL")),
                "auth", union(common, database),
                "routing", union(common, database, Set.of("NEXUS_AUTH_SERVICE_URL")),
                "metering", union(common, database, Set.of("NEXUS_AUTH_SERVICE_URL", "NEXUS_USAGE_RETENTION", "NEXUS_DB_READ_HOST",
                        "NEXUS_DB_READ_PORT")));
        expected.forEach((component, names) ->
                assertThat(Rendered.env(rendered.container(component)).keySet()).as("env of %s", component)
                        .containsExactlyInAnyOrderElementsOf(names));

        JsonNode config = rendered.get("ConfigMap", FULLNAME + "-config").path("data");
        assertThat(config.path("NEXUS_AUTH_SERVICE_URL").asText()).isEqualTo("http://" + FULLNAME + "-auth:8082");
        // every wait for PostgreSQL bounded (503 database_unavailable past it)
        assertThat(config.path("NEXUS_DB_TIMEOUT").asText()).isEqualTo("5s");
        // JSON logs in the cluster; no span recorded or exported unless asked for
        assertThat(config.path("NEXUS_LOG_JSON").asText()).isEqualTo("true");
        assertThat(config.path("NEXUS_TRACING_EXPORT").asText()).isEqualTo("false");
        assertThat(config.path("NEXUS_ROUTING_SERVICE_URL").asText()).isEqualTo("http://" + FULLNAME + "-routing:8083");
        assertThat(config.path("NEXUS_METERING_SERVICE_URL").asText()).isEqualTo("http://" + FULLNAME + "-metering:8084");
        assertThat(config.path("NEXUS_DB_HOST").asText()).isEqualTo("nexus-postgresql.databases.svc");
        for (String component : List.of("auth", "routing", "metering")) {
            JsonNode service = rendered.get("Service", FULLNAME + "-" + component);
            assertThat(service.at("/spec/ports/0/port").asInt()).as("the URL's port is the Service's")
                    .isEqualTo(Integer.parseInt(config.path("NEXUS_" + component.toUpperCase() + "_SERVICE_URL").asText().replaceAll(".*:", "")));
        }
        assertThat(Rendered.env(rendered.container("gateway")).get("NEXUS_SECRET_KEY_PREVIOUS").at("/valueFrom/secretKeyRef/optional").asBoolean())
                .as("the previous key is optional").isTrue();
        assertThat(Rendered.env(rendered.container("admin")).get("NEXUS_BOOTSTRAP_ADMIN_KEY").at("/valueFrom/secretKeyRef/optional").asBoolean())
                .isTrue();
    }

    @Test
    void theServicesThatOnlyReadAndTheUsageApiMayUseAReadReplica() {
        for (String values : List.of("default", "production")) {
            Rendered rendered = render(values);
            JsonNode config = rendered.ofKind("ConfigMap").stream().filter(c -> name(c).endsWith("-config"))
                    .findFirst().orElseThrow().path("data");
            for (String component : Chart.COMPONENTS) {
                JsonNode host = Rendered.env(rendered.container(component)).get("NEXUS_DB_HOST");
                if (component.equals("gateway")) {
                    assertThat(host).isNull();
                    continue;
                }
                String key = host.at("/valueFrom/configMapKeyRef/key").asText();
                assertThat(key).as("%s reads from", component)
                        .isEqualTo(Set.of("auth", "routing").contains(component) ? "NEXUS_DB_READ_HOST" : "NEXUS_DB_HOST");
                assertThat(Rendered.env(rendered.container(component)).get("NEXUS_DB_PORT").at("/valueFrom/configMapKeyRef/key").asText())
                        .isEqualTo(key.replace("HOST", "PORT"));
            }
            // metering: ingest on the primary (above), the usage API's queries on the replica
            for (String name : List.of("NEXUS_DB_READ_HOST", "NEXUS_DB_READ_PORT")) {
                assertThat(Rendered.env(rendered.container("metering")).get(name).at("/valueFrom/configMapKeyRef/key").asText())
                        .isEqualTo(name);
            }
            assertThat(config.path("NEXUS_DB_READ_PORT").asText()).isEqualTo("5432");
            assertThat(config.path("NEXUS_DB_READ_HOST").asText()).isEqualTo(values.equals("default")
                    ? config.path("NEXUS_DB_HOST").asText() : "nexus.cluster-ro-abc.eu-west-1.rds.amazonaws.com");
        }
    }

    @Test
    void jvmOptionsAndHeapFollowTheLocalStack() {
        Rendered rendered = render("default");
        Map<String, String> heap = Map.of("gateway", "-Xmx128m", "admin", "-Xmx256m", "auth", "-Xmx128m",
                "routing", "-Xmx128m", "metering", "-Xmx256m");
        heap.forEach((component, xmx) -> assertThat(Rendered.env(rendered.container(component)).get("JAVA_OPTS").path("value").asText())
                .isEqualTo("-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Xss512k -XX:ReservedCodeCacheSize=64m "
                        + "--enable-native-access=ALL-UNNAMED -XX:AOTCache=/deployments/app.aot " + xmx));
    }

    /** The images' AOT cache is used by default (with the images' module options, which it needs), and can be left out. */
    @Test
    void theJvmsUseTheAotCacheOfTheirImageUnlessToldNot() {
        String manifest = new Helm(Chart.DIR).template().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .withKubeVersion(Chart.KUBE_VERSION).withValuesFile(Chart.ciValues("default")).set("global.aotCache", "").call();
        Rendered without = new Rendered("default + --set global.aotCache=", Chart.parse(manifest));
        for (String component : Chart.COMPONENTS) {
            assertThat(Rendered.env(render("default").container(component)).get("JAVA_OPTS").path("value").asText())
                    .contains("--enable-native-access=ALL-UNNAMED", "-XX:AOTCache=/deployments/app.aot");
            assertThat(Rendered.env(without.container(component)).get("JAVA_OPTS").path("value").asText())
                    .doesNotContain("AOT").contains("-Xmx");
        }
    }

    @Test
    void theGatewaySpoolsUsageAndKeepsItsRouteSnapshotOnWritableVolumes() {
        Rendered rendered = render("default");
        JsonNode container = rendered.container("gateway");
        Map<String, JsonNode> env = Rendered.env(container);
        assertThat(env.get("NEXUS_GATEWAY_USAGE_SPOOL_DIR").path("value").asText()).isEqualTo("/var/lib/nexus/usage-spool");
        assertThat(env.get("NEXUS_GATEWAY_SNAPSHOT_FILE").path("value").asText()).isEqualTo("/var/lib/nexus/snapshot/routes.json");
        assertThat(mounts(container)).containsEntry("/var/lib/nexus/usage-spool", "usage-spool")
                .containsEntry("/var/lib/nexus/snapshot", "route-snapshot").containsEntry("/tmp", "tmp");
        JsonNode volumes = rendered.deployment("gateway").at("/spec/template/spec/volumes");
        assertThat(volumes.findValues("emptyDir")).hasSize(3);

        Rendered production = render("production");
        JsonNode spool = production.deployment("gateway").at("/spec/template/spec/volumes").findParents("persistentVolumeClaim").getFirst();
        assertThat(spool.path("name").asText()).isEqualTo("usage-spool");
        assertThat(spool.at("/persistentVolumeClaim/claimName").asText()).isEqualTo("nexus-usage-spool");
        assertThat(Rendered.env(production.container("gateway")).get("NEXUS_GATEWAY_USAGE_SPOOL_MAX_SIZE").path("value").asText())
                .isEqualTo("2G");
    }

    @Test
    void meteringKeepsPerRequestUsageForTheRetention() {
        assertThat(Rendered.env(render("default").container("metering")).get("NEXUS_USAGE_RETENTION").path("value").asText())
                .isEqualTo("400d");
        assertThat(Rendered.env(render("production").container("metering")).get("NEXUS_USAGE_RETENTION").path("value").asText())
                .isEqualTo("730d");
    }

    @Test
    void anExistingSecretReplacesTheChartsOwn() {
        Rendered rendered = render("existing-secret");
        assertThat(rendered.ofKind("Secret")).isEmpty();
        Set<String> names = new TreeSet<>();
        for (String component : Chart.COMPONENTS) {
            Rendered.env(rendered.container(component)).values().forEach(entry -> {
                JsonNode ref = entry.at("/valueFrom/secretKeyRef");
                if (!ref.isMissingNode()) {
                    names.add(ref.path("name").asText());
                }
            });
            assertThat(rendered.deployment(component).at("/spec/template/metadata/annotations").has("checksum/secret")).isFalse();
        }
        assertThat(names).containsExactly("nexus-platform-secrets");
    }

    @Test
    void aRotationCarriesThePreviousKeyAndTheBootstrapAdminKey() {
        ObjectNode secret = render("rotation").get("Secret", FULLNAME);
        assertThat(secret.path("data").has("nexus-secret-key-previous")).isTrue();
        assertThat(new String(Base64.getDecoder().decode(secret.at("/data/bootstrap-admin-key").asText())))
                .matches("nx-adm-[A-Za-z0-9]{40}");
        for (String component : Chart.COMPONENTS) {
            assertThat(render("rotation").deployment(component).at("/spec/template/metadata/annotations").has("checksum/secret"))
                    .as("rolloutOnChange: false leaves the restarts to the operator").isFalse();
        }
    }

    @Test
    void aChangedSecretOrSettingRollsThePods() {
        String manifest = new Helm(Chart.DIR).template().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .withKubeVersion(Chart.KUBE_VERSION).withValuesFile(Chart.ciValues("default"))
                .set("secrets.nexusSecretKey", "another-ci-only-nexus-secret-key-0123456789").set("redis.namespace", "other").call();
        Rendered changed = new Rendered("default + --set", Chart.parse(manifest));
        Rendered original = render("default");
        for (String component : Chart.COMPONENTS) {
            for (String checksum : List.of("checksum~1secret", "checksum~1config")) {
                String before = original.deployment(component).at("/spec/template/metadata/annotations/" + checksum).asText();
                assertThat(before).hasSize(64);
                assertThat(changed.deployment(component).at("/spec/template/metadata/annotations/" + checksum).asText())
                        .as("%s of %s", checksum, component).isNotEqualTo(before);
            }
        }
    }

    @Test
    void autoscalingAddsAnHpaAndAPdbForTheGatewayOnly() {
        assertThat(render("default").ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(render("default").ofKind("PodDisruptionBudget")).isEmpty();

        Rendered rendered = render("autoscaling");
        ObjectNode hpa = rendered.one("HorizontalPodAutoscaler", "gateway");
        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(name(rendered.deployment("gateway")));
        assertThat(hpa.at("/spec/minReplicas").asInt()).isEqualTo(3);
        assertThat(hpa.at("/spec/maxReplicas").asInt()).isEqualTo(20);
        assertThat(hpa.at("/spec/metrics/0/resource/name").asText()).isEqualTo("cpu");
        assertThat(hpa.at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(60);
        assertThat(hpa.at("/spec/metrics/1/resource/name").asText()).isEqualTo("memory");
        assertThat(rendered.deployment("gateway").at("/spec").has("replicas")).as("the HPA owns the replicas").isFalse();
        assertThat(rendered.deployment("admin").at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(rendered.container("gateway").at("/resources/requests/cpu").asText()).as("CPU utilisation needs a request")
                .isNotEmpty();

        ObjectNode pdb = rendered.one("PodDisruptionBudget", "gateway");
        assertThat(pdb.path("apiVersion").asText()).isEqualTo("policy/v1");
        assertThat(pdb.at("/spec/minAvailable").asInt()).isEqualTo(2);
        assertThat(pdb.at("/spec").has("maxUnavailable")).isFalse();
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(rendered.deployment("gateway").at("/spec/selector/matchLabels"));
        assertThat(rendered.ofKind("HorizontalPodAutoscaler")).hasSize(1);
        assertThat(rendered.ofKind("PodDisruptionBudget")).hasSize(1);
        assertThat(render("production").one("PodDisruptionBudget", "gateway").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    }

    @Test
    void aRedisClusterIsWhatEveryServiceConnectsToAndMayReachOnEveryNode() {
        Rendered rendered = render("redis-cluster");
        assertThat(rendered.get("ConfigMap", FULLNAME + "-config").at("/data/NEXUS_REDIS_CLIENT_TYPE").asText()).isEqualTo("cluster");
        String url = new String(Base64.getDecoder().decode(rendered.get("Secret", FULLNAME).at("/data/redis-url").asText()));
        assertThat(url.split(",")).as("some of the cluster's nodes, the rest discovered").hasSize(3)
                .allMatch(node -> node.matches("redis://:[^@]+@nexus-redis-cluster-\\d\\.[-a-z.]+:6379"));
        for (String component : Chart.COMPONENTS) {
            Map<String, JsonNode> env = Rendered.env(rendered.container(component));
            assertThat(env.get("NEXUS_REDIS_CLIENT_TYPE").at("/valueFrom/configMapKeyRef/key").asText()).as(component)
                    .isEqualTo("NEXUS_REDIS_CLIENT_TYPE");
            assertThat(env.get("NEXUS_REDIS_URL").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("redis-url");
            JsonNode redis = egressRule(rendered.one("NetworkPolicy", component), "6379/TCP");
            assertThat(redis.at("/to/0/podSelector/matchLabels/app.kubernetes.io~1name").asText())
                    .as("%s reaches the cluster's pods, where the client is redirected", component).isEqualTo("redis-cluster");
        }
    }

    @Test
    void networkPoliciesLetThroughOnlyWhatThePlanesNeed() {
        assertThat(render("default").ofKind("NetworkPolicy")).isEmpty();
        Rendered rendered = render("network-policy");
        assertThat(rendered.ofKind("NetworkPolicy")).hasSize(5);
        for (String component : Chart.COMPONENTS) {
            ObjectNode policy = rendered.one("NetworkPolicy", component);
            assertThat(policy.at("/spec/podSelector/matchLabels")).as("%s selects its pods", component)
                    .isEqualTo(rendered.deployment(component).at("/spec/selector/matchLabels"));
            assertThat(policy.at("/spec/policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
            JsonNode management = ingressRule(policy, managementPort(component));
            assertThat(management.at("/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                    .isEqualTo("monitoring");
            assertThat(egressPorts(policy)).as("DNS for %s", component).contains("53/UDP", "53/TCP", "6379/TCP");
            assertThat(egressPorts(policy).contains("5432/TCP")).as("PostgreSQL for %s", component)
                    .isEqualTo(!component.equals("gateway"));
            assertThat(egressPorts(policy).contains("5433/TCP")).as("the read replica's own port for %s", component)
                    .isEqualTo(!component.equals("gateway"));
            assertThat(egressPorts(policy).contains("443/TCP")).as("the internet for %s", component)
                    .isEqualTo(component.equals("gateway"));
        }
        ObjectNode gateway = rendered.one("NetworkPolicy", "gateway");
        assertThat(ingressRule(gateway, 8080).has("from")).as("the gateway's API is open to all").isFalse();
        assertThat(callers(rendered, "auth")).containsExactlyInAnyOrder("gateway", "metering", "routing");
        // admin: its console reads the health matrix (routing) and usage (metering)
        assertThat(callers(rendered, "routing")).containsExactlyInAnyOrder("gateway", "admin");
        assertThat(callers(rendered, "metering")).containsExactlyInAnyOrder("gateway", "admin");
        JsonNode admin = ingressRule(rendered.one("NetworkPolicy", "admin"), 8081);
        assertThat(admin.at("/from/0/podSelector/matchLabels").toString())
                .isEqualTo("{\"app.kubernetes.io/name\":\"nexusai\",\"app.kubernetes.io/instance\":\"nexus\"}");
        assertThat(admin.at("/from/1/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText()).isEqualTo("ops");
        assertThat(egressPorts(gateway)).contains("8082/TCP", "8083/TCP", "8084/TCP", "8000/TCP");
        assertThat(egressPorts(rendered.one("NetworkPolicy", "metering"))).contains("8082/TCP").doesNotContain("8083/TCP");
        assertThat(egressPorts(rendered.one("NetworkPolicy", "routing"))).contains("8082/TCP").doesNotContain("8084/TCP");
        assertThat(egressPorts(rendered.one("NetworkPolicy", "admin"))).contains("8083/TCP", "8084/TCP").doesNotContain("8082/TCP");
        assertThat(egressPorts(rendered.one("NetworkPolicy", "auth"))).doesNotContain("8082/TCP", "8083/TCP", "8084/TCP");
        JsonNode internet = egressRule(gateway, "443/TCP");
        assertThat(internet.at("/to/0/ipBlock/cidr").asText()).isEqualTo("0.0.0.0/0");
        assertThat(internet.at("/to/0/ipBlock/except").size()).isEqualTo(3);
        assertThat(egressRule(rendered.one("NetworkPolicy", "auth"), "5432/TCP").at("/to/0/podSelector/matchLabels/app.kubernetes.io~1name").asText())
                .isEqualTo("postgresql");
    }

    @Test
    void serviceMonitorsScrapeEveryManagementPort() {
        assertThat(render("default").ofKind("ServiceMonitor")).isEmpty();
        Rendered rendered = render("service-monitor");
        assertThat(rendered.ofKind("ServiceMonitor")).hasSize(5);
        for (String component : Chart.COMPONENTS) {
            ObjectNode monitor = rendered.one("ServiceMonitor", component);
            assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
            assertThat(label(monitor, "release")).isEqualTo("kube-prometheus-stack");
            JsonNode endpoint = monitor.at("/spec/endpoints/0");
            assertThat(endpoint.path("port").asText()).isEqualTo("management");
            assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
            assertThat(endpoint.path("interval").asText()).isEqualTo("15s");
            JsonNode selector = monitor.at("/spec/selector/matchLabels");
            List<ObjectNode> scraped = rendered.ofKind("Service").stream()
                    .filter(s -> selects(selector, s.at("/metadata/labels")))
                    .filter(s -> s.at("/spec/ports").findValuesAsText("name").contains("management")).toList();
            assertThat(scraped).as("Services %s scrapes", name(monitor)).hasSize(1);
            assertThat(label(scraped.getFirst(), COMPONENT)).isEqualTo(component);
            assertThat(monitor.at("/spec/namespaceSelector/matchNames/0").asText()).isEqualTo(Chart.NAMESPACE);
        }
    }

    @Test
    void theIngressExposesTheGatewayOnly() {
        assertThat(render("default").ofKind("Ingress")).isEmpty();
        Rendered rendered = render("ingress");
        ObjectNode ingress = rendered.one("Ingress", "gateway");
        assertThat(rendered.ofKind("Ingress")).hasSize(1);
        assertThat(ingress.at("/spec/ingressClassName").asText()).isEqualTo("nginx");
        assertThat(ingress.at("/spec/rules/0/host").asText()).isEqualTo("llm.example.com");
        JsonNode backend = ingress.at("/spec/rules/0/http/paths/0/backend/service");
        assertThat(backend.path("name").asText()).isEqualTo(FULLNAME + "-gateway");
        assertThat(backend.at("/port/name").asText()).isEqualTo("http");
        assertThat(rendered.get("Service", FULLNAME + "-gateway").at("/spec/ports").findValuesAsText("name")).contains("http");
        assertThat(ingress.at("/spec/tls/0/secretName").asText()).isEqualTo("llm-example-com-tls");
        assertThat(ingress.at("/metadata/annotations/nginx.ingress.kubernetes.io~1proxy-buffering").asText()).isEqualTo("off");
    }

    @Test
    void aLoadBalancerGatewayKeepsItsManagementPortInside() {
        Rendered rendered = render("loadbalancer");
        ObjectNode gateway = rendered.get("Service", FULLNAME + "-gateway");
        assertThat(gateway.at("/spec/type").asText()).isEqualTo("LoadBalancer");
        assertThat(gateway.at("/spec/ports").findValuesAsText("name")).containsExactly("http");
        assertThat(gateway.at("/spec/ports/0/port").asInt()).isEqualTo(443);
        assertThat(gateway.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(gateway.at("/spec/loadBalancerSourceRanges/0").asText()).isEqualTo("203.0.113.0/24");
        assertThat(gateway.at("/spec/externalTrafficPolicy").asText()).isEqualTo("Local");
        ObjectNode management = rendered.get("Service", FULLNAME + "-gateway-management");
        assertThat(management.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(management.at("/spec/ports").findValuesAsText("name")).containsExactly("management");
        assertThat(rendered.ofKind("Service").stream().filter(s -> !s.at("/spec/type").asText().equals("ClusterIP")))
                .containsExactly(gateway);

        ObjectNode nodePort = render("nodeport").get("Service", FULLNAME + "-gateway");
        assertThat(nodePort.at("/spec/type").asText()).isEqualTo("NodePort");
        assertThat(nodePort.at("/spec/ports/0/nodePort").asInt()).isEqualTo(30080);
    }

    @Test
    void productionValuesNameImagesSchedulingAndEveryOptionalObject() {
        Rendered rendered = render("production");
        assertThat(rendered.kindCounts()).containsEntry("HorizontalPodAutoscaler", 1).containsEntry("PodDisruptionBudget", 1)
                .containsEntry("NetworkPolicy", 5).containsEntry("ServiceMonitor", 5).containsEntry("Ingress", 1)
                .doesNotContainKey("Secret");
        for (ObjectNode object : rendered.objects()) {
            assertThat(name(object)).startsWith("nexus");
            assertThat(label(object, "team")).isEqualTo("platform");
        }
        assertThat(rendered.container("admin").path("image").asText()).isEqualTo("registry.example.com/nexusai/admin-service:0.1.0");
        assertThat(rendered.container("admin").path("imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(rendered.deployment("admin").at("/spec/template/spec/imagePullSecrets/0/name").asText()).isEqualTo("regcred");
        assertThat(Rendered.env(rendered.container("admin")).get("JAVA_OPTS").path("value").asText())
                .endsWith("-Xmx384m -XX:MaxMetaspaceSize=160m");
        assertThat(Rendered.env(rendered.container("gateway")).get("NEXUS_EVENT_LOOPS").path("value").asText()).isEqualTo("2");
        assertThat(Rendered.env(rendered.container("gateway")).get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText())
                .isEqualTo("metadata.name");
        JsonNode gatewayPod = rendered.deployment("gateway").at("/spec/template");
        assertThat(gatewayPod.at("/spec/tolerations/0/value").asText()).isEqualTo("gateway");
        assertThat(gatewayPod.at("/spec/nodeSelector/kubernetes.io~1os").asText()).isEqualTo("linux");
        assertThat(gatewayPod.at("/spec/affinity/podAntiAffinity").isObject()).isTrue();
        assertThat(gatewayPod.at("/metadata/annotations/example.com~1owner").asText()).isEqualTo("platform");
        assertThat(rendered.deployment("metering").at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(rendered.get("ServiceAccount", "nexus").at("/metadata/annotations").size()).isEqualTo(1);
    }

    // ---- helpers ----

    private static int managementPort(String component) {
        return Map.of("gateway", 9321, "admin", 9322, "auth", 9323, "routing", 9324, "metering", 9325).get(component);
    }

    private static JsonNode ingressRule(ObjectNode policy, int port) {
        for (JsonNode rule : policy.at("/spec/ingress")) {
            if (rule.path("ports").findValuesAsText("port").contains(String.valueOf(port))) {
                return rule;
            }
        }
        throw new AssertionError("no ingress rule for port " + port + " in " + name(policy));
    }

    private static List<String> egressPorts(ObjectNode policy) {
        List<String> ports = new ArrayList<>();
        for (JsonNode rule : policy.at("/spec/egress")) {
            rule.path("ports").forEach(p -> ports.add(p.path("port").asText() + "/" + p.path("protocol").asText("TCP")));
        }
        return ports;
    }

    private static JsonNode egressRule(ObjectNode policy, String port) {
        for (JsonNode rule : policy.at("/spec/egress")) {
            for (JsonNode p : rule.path("ports")) {
                if ((p.path("port").asText() + "/" + p.path("protocol").asText("TCP")).equals(port)) {
                    return rule;
                }
            }
        }
        throw new AssertionError("no egress rule for " + port + " in " + name(policy));
    }

    /** The components whose pods the HTTP ingress rule of a component's NetworkPolicy admits. */
    private static List<String> callers(Rendered rendered, String component) {
        int port = rendered.container(component).at("/ports/0/containerPort").asInt();
        List<String> callers = new ArrayList<>();
        for (JsonNode peer : ingressRule(rendered.one("NetworkPolicy", component), port).path("from")) {
            assertThat(peer.has("namespaceSelector")).as("callers of %s are in the release's namespace", component).isFalse();
            for (String other : Chart.COMPONENTS) {
                if (selects(peer.at("/podSelector/matchLabels"), rendered.deployment(other).at("/spec/template/metadata/labels"))) {
                    callers.add(other);
                }
            }
        }
        return callers;
    }

    private static boolean selects(JsonNode matchLabels, JsonNode labels) {
        var fields = matchLabels.fields();
        while (fields.hasNext()) {
            var label = fields.next();
            if (!label.getValue().asText().equals(labels.path(label.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> mounts(JsonNode container) {
        Map<String, String> mounts = new TreeMap<>();
        container.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m.path("name").asText()));
        return mounts;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> union = new TreeSet<>();
        for (Set<String> set : sets) {
            union.addAll(set);
        }
        return union;
    }
}
