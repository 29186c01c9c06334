package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Grafana dashboards in the chart: the build copies deploy/grafana/dashboards/*.json (the one source) into
 * k8s/dashboards/, and the chart turns each into a ConfigMap for Grafana's sidecar. A sample dashboard rendered
 * from a copy of the chart shows exactly what one becomes; GrafanaDashboardsTest checks the dashboards themselves.
 */
class DashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCE = Path.of(System.getProperty("nexusai.dashboards.source", "../deploy/grafana/dashboards"))
            .toAbsolutePath().normalize();
    private static final KubernetesSchemas SCHEMAS = KubernetesSchemas.get(Chart.WORK.resolve("schemas"));

    @Test
    void theChartCarriesExactlyTheDashboardsOfTheOneSource() throws IOException {
        Map<String, String> source = jsonFiles(SOURCE);
        Map<String, String> copies = jsonFiles(Chart.DIR.resolve("dashboards"));
        assertThat(source).as("dashboards in %s", SOURCE).isNotEmpty();
        assertThat(copies).as("k8s/dashboards/ mirrors %s", SOURCE).isEqualTo(source);
    }

    @Test
    void oneLabelledConfigMapPerDashboardWhenEnabled() throws IOException {
        Map<String, String> dashboards = jsonFiles(SOURCE);
        List<ObjectNode> configMaps = dashboardConfigMaps(Chart.render(Chart.ciValues("dashboards")), "grafana_dashboard");
        assertThat(configMaps).hasSize(dashboards.size()).isNotEmpty();
        for (ObjectNode configMap : configMaps) {
            String file = configMap.path("data").fieldNames().next();
            assertThat(JSON.readTree(configMap.path("data").path(file).asText())).as(file)
                    .isEqualTo(JSON.readTree(dashboards.get(file)));
            assertThat(SCHEMAS.validate(configMap)).isEmpty();
        }
        assertThat(dashboardConfigMaps(Chart.render(Chart.ciValues("default")), "grafana_dashboard"))
                .as("dashboards are off by default").isEmpty();
    }

    @Test
    void aDashboardBecomesAConfigMapForGrafanasSidecar() throws IOException {
        Path chart = chartWithSampleDashboards();
        Rendered rendered = Chart.render(chart, Chart.ciValues("dashboards"));
        List<ObjectNode> configMaps = dashboardConfigMaps(rendered, "grafana_dashboard");
        assertThat(configMaps).hasSize(2);

        ObjectNode sample = rendered.get("ConfigMap", Chart.RELEASE + "-nexusai-dashboard-nexusai-sample");
        assertThat(sample.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        assertThat(sample.at("/metadata/labels/app.kubernetes.io~1part-of").asText()).isEqualTo("nexusai");
        assertThat(sample.at("/metadata/annotations/grafana_folder").asText()).isEqualTo("NexusAI");
        assertThat(sample.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);
        assertThat(sample.path("data").size()).isEqualTo(1);
        JsonNode dashboard = JSON.readTree(sample.at("/data/nexusai-sample.json").asText());
        assertThat(dashboard).as("the JSON arrives unchanged").isEqualTo(JSON.readTree(sampleDashboard()));
        assertThat(dashboard.at("/templating/list/0/name").asText()).isEqualTo("datasource");

        ObjectNode oddName = rendered.get("ConfigMap", Chart.RELEASE + "-nexusai-dashboard-gateway-overview-v2");
        assertThat(oddName.path("data").has("Gateway_Overview_v2.json")).as("a valid ConfigMap key").isTrue();
        for (ObjectNode configMap : configMaps) {
            assertThat(SCHEMAS.validate(configMap)).isEmpty();
        }
    }

    @Test
    void theSidecarLabelAndNamespaceAreConfigurable() throws IOException {
        Path chart = chartWithSampleDashboards();
        String manifest = new Helm(chart).template().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .withKubeVersion(Chart.KUBE_VERSION).withValuesFile(Chart.ciValues("dashboards"))
                .set("dashboards.label", "nexus_dashboard").set("dashboards.labelValue", "yes")
                .set("dashboards.namespace", "monitoring").call();
        Rendered rendered = new Rendered("dashboards + --set", Chart.parse(manifest));
        List<ObjectNode> configMaps = dashboardConfigMaps(rendered, "nexus_dashboard");
        assertThat(configMaps).hasSize(2).allSatisfy(c -> {
            assertThat(c.at("/metadata/labels/nexus_dashboard").asText()).isEqualTo("yes");
            assertThat(c.at("/metadata/labels").has("grafana_dashboard")).isFalse();
            assertThat(c.at("/metadata/namespace").asText()).isEqualTo("monitoring");
        });
    }

    @Test
    void withoutDashboardFilesThereAreNoDashboardConfigMaps() {
        Path chart = Chart.copy(Chart.WORK.resolve("no-dashboards"));
        clearDashboards(chart);
        Rendered rendered = Chart.render(chart, Chart.ciValues("dashboards"));
        assertThat(dashboardConfigMaps(rendered, "grafana_dashboard")).isEmpty();
        assertThat(rendered.ofKind("ConfigMap")).hasSize(1);
    }

    /** A copy of the chart whose dashboards/ holds the sample dashboard twice (once under an awkward name). */
    private static Path chartWithSampleDashboards() throws IOException {
        Path chart = Chart.copy(Chart.WORK.resolve("sample-dashboards"));
        clearDashboards(chart);
        Files.writeString(chart.resolve("dashboards/nexusai-sample.json"), sampleDashboard());
        Files.writeString(chart.resolve("dashboards/Gateway Overview_v2.json"), sampleDashboard());
        return chart;
    }

    private static void clearDashboards(Path chart) {
        try (Stream<Path> files = Files.list(chart.resolve("dashboards"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sampleDashboard() throws IOException {
        try (InputStream in = DashboardsTest.class.getResourceAsStream("/dashboards/nexusai-sample.json")) {
            return new String(in.readAllBytes());
        }
    }

    private static List<ObjectNode> dashboardConfigMaps(Rendered rendered, String label) {
        return rendered.ofKind("ConfigMap").stream().filter(c -> c.at("/metadata/labels").has(label)).toList();
    }

    /** File name → content of the *.json files of a directory (none when it does not exist). */
    private static Map<String, String> jsonFiles(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                files.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        return files;
    }
}
