package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.nexusai.deploy.Rendered.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's HPA on its requests in flight (gateway.autoscaling.inFlight): a Pods metric whose default target is
 * half of the replica's in-flight bound as the gateway derives it, and the prometheus-adapter rule of
 * docs/kubernetes.md that serves it, which must name the chart's metric and a catalogued gauge in valid PromQL.
 */
class InFlightAutoscalingTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path DOC = Chart.DIR.resolveSibling("docs").resolve("kubernetes.md");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theMetricIsOffByDefaultAndAPodsMetricWhenAskedFor() {
        assertThat(metricTypes(Chart.render(Chart.ciValues("autoscaling")).one("HorizontalPodAutoscaler", "gateway")))
                .containsExactly("Resource", "Resource");

        Rendered rendered = Chart.render(Chart.ciValues("autoscaling-in-flight"));
        ObjectNode hpa = rendered.one("HorizontalPodAutoscaler", "gateway");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(name(rendered.deployment("gateway")));
        JsonNode metrics = hpa.at("/spec/metrics");
        assertThat(metricTypes(hpa)).as("CPU stays: the HPA takes the larger of the two").containsExactly("Resource", "Pods");
        assertThat(metrics.at("/0/resource/name").asText()).isEqualTo("cpu");
        JsonNode pods = metrics.get(1).path("pods");
        assertThat(pods.at("/metric/name").asText()).isEqualTo(defaultMetricName());
        assertThat(pods.at("/target/type").asText()).as("a Pods metric is averaged over the pods").isEqualTo("AverageValue");
        assertThat(pods.at("/target/averageValue").asText()).as("half of 1,024, the bound at -Xmx128m").isEqualTo("512");
        assertThat(Rendered.env(rendered.container("gateway")).get("JAVA_OPTS").path("value").asText()).endsWith("-Xmx128m");
        assertThat(rendered.ofKind("ServiceMonitor", "gateway")).as("Prometheus scrapes the gauge").hasSize(1);
    }

    @Test
    void theDefaultTargetIsHalfOfTheBoundTheGatewayDerives() {
        // a quarter of the heap at 32 KiB a request: 8 per MiB, at least 64 (gateway-service InFlight.defaultLimit)
        assertThat(target(Map.of("gateway.jvm.maxHeap", "512m"))).isEqualTo("2048");
        assertThat(target(Map.of("gateway.jvm.maxHeap", "1g"))).isEqualTo("4096");
        assertThat(target(Map.of("gateway.jvm.maxHeap", "196608k"))).isEqualTo("768");
        assertThat(target(Map.of("gateway.jvm.maxHeap", "4M"))).as("the floor of 64").isEqualTo("32");
        assertThat(target(Map.of("gateway.env.NEXUS_GATEWAY_MAX_IN_FLIGHT", "300"))).as("an explicit bound wins")
                .isEqualTo("150");
        assertThat(target(Map.of("gateway.autoscaling.inFlight.targetAverageValue", "700"))).isEqualTo("700");
    }

    @Test
    void aTargetTheReplicaCouldNotReachBeforeSheddingIsRefused() {
        assertThatThrownBy(() -> target(Map.of("gateway.autoscaling.inFlight.targetAverageValue", "1024")))
                .hasMessageContaining("must be below the gateway's in-flight bound (1024)");
        assertThatThrownBy(() -> target(Map.of("gateway.env.NEXUS_GATEWAY_MAX_IN_FLIGHT", "256",
                "gateway.autoscaling.inFlight.targetAverageValue", "300")))
                .hasMessageContaining("must be below the gateway's in-flight bound (256)");
        assertThatThrownBy(() -> target(Map.of("gateway.autoscaling.inFlight.targetAverageValue", "half")))
                .hasMessageContaining("targetAverageValue must be a positive whole number");
        assertThatThrownBy(() -> target(Map.of("gateway.jvm.maxHeap", "lots")))
                .hasMessageContaining("gateway.jvm.maxHeap must be an -Xmx size");
        assertThatThrownBy(() -> target(Map.of("gateway.autoscaling.inFlight.metricName", "")))
                .hasMessageContaining("gateway.autoscaling.inFlight.metricName is required");
    }

    /** The adapter rule of the docs exposes the gateway's gauge per pod under the name the HPA asks for. */
    @Test
    void theDocumentedAdapterRuleServesTheMetricTheHpaReads() throws IOException {
        JsonNode rule = documentedAdapterRule();
        assertThat(rule.at("/name/as").asText()).isEqualTo(defaultMetricName());

        String seriesQuery = rule.path("seriesQuery").asText();
        assertThat(MetricCatalogue.nexusNames(seriesQuery)).containsExactly("nexus_requests_in_flight");
        MetricCatalogue.Metric gauge = MetricCatalogue.load().metrics().get("nexus_requests_in_flight");
        assertThat(gauge.service()).isEqualTo("gateway");
        assertThat(gauge.type()).isEqualTo("gauge");
        assertThat("nexus_requests_in_flight").matches(rule.at("/name/matches").asText());
        // prometheus-operator gives every series of a ServiceMonitor's targets these labels
        assertThat(rule.at("/resources/overrides/namespace/resource").asText()).isEqualTo("namespace");
        assertThat(rule.at("/resources/overrides/pod/resource").asText()).isEqualTo("pod");

        // the query the adapter sends, as it fills in its template for two pods, is valid PromQL on catalogued series
        String query = rule.path("metricsQuery").asText()
                .replace("<<.Series>>", "nexus_requests_in_flight")
                .replace("<<.LabelMatchers>>", "namespace=\"nexusai\",pod=~\"nexus-nexusai-gateway-a|nexus-nexusai-gateway-b\"")
                .replace("<<.GroupBy>>", "pod");
        assertThat(query).doesNotContain("<<");
        assertThat(MetricCatalogue.nexusNames(query)).containsExactly("nexus_requests_in_flight");
        Path rules = Files.createDirectories(Chart.WORK.resolve("adapter")).resolve("in-flight-rule.yml");
        Files.writeString(rules, YAML.writeValueAsString(Map.of("groups", List.of(Map.of("name", "adapter",
                "rules", List.of(Map.of("record", "pod:" + defaultMetricName() + ":adapter", "expr", query)))))));
        Promtool.Result result = Promtool.run("check", "rules", rules.toString());
        assertThat(result.ok()).as(result.describe()).isTrue();
    }

    // ---- helpers ----

    private static List<String> metricTypes(JsonNode hpa) {
        List<String> types = new ArrayList<>();
        hpa.at("/spec/metrics").forEach(m -> types.add(m.path("type").asText()));
        return types;
    }

    private static String defaultMetricName() {
        try {
            return YAML.readTree(Chart.DIR.resolve("values.yaml").toFile()).at("/gateway/autoscaling/inFlight/metricName").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The averageValue of the in-flight metric, rendered from autoscaling-in-flight-values.yaml with these --set. */
    private static String target(Map<String, String> overrides) {
        TemplateCommand template = new Helm(Chart.DIR).template().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .withKubeVersion(Chart.KUBE_VERSION).withValuesFile(Chart.ciValues("autoscaling-in-flight"));
        for (var override : overrides.entrySet()) {
            template = template.set(override.getKey(), override.getValue());
        }
        Rendered rendered = new Rendered("autoscaling-in-flight + " + overrides, Chart.parse(template.call()));
        JsonNode metrics = rendered.one("HorizontalPodAutoscaler", "gateway").at("/spec/metrics");
        List<String> targets = new ArrayList<>();
        metrics.forEach(m -> {
            if (m.path("type").asText().equals("Pods")) {
                targets.add(m.at("/pods/target/averageValue").asText());
            }
        });
        assertThat(targets).hasSize(1);
        return targets.getFirst();
    }

    /** The one rule of the prometheus-adapter values shown in docs/kubernetes.md. */
    private static JsonNode documentedAdapterRule() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        Matcher block = YAML_BLOCK.matcher(Files.readString(DOC));
        while (block.find()) {
            if (block.group(1).contains("nexus_requests_in_flight")) {
                YAML.readTree(block.group(1)).at("/rules/custom").forEach(rules::add);
            }
        }
        assertThat(rules).as("one prometheus-adapter rule (rules.custom) in a yaml block of %s", DOC).hasSize(1);
        return rules.getFirst();
    }
}
