package io.nexusai.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * NOTES.txt, which {@code helm install} prints. {@code helm template} skips it and an install needs a cluster, so
 * a copy of the chart renders it into a ConfigMap through {@code tpl}.
 */
class NotesTest {

    private static Path chart;

    @BeforeAll
    static void chartThatRendersItsNotes() throws IOException {
        chart = Chart.copy(Chart.WORK.resolve("notes"));
        Files.createDirectories(chart.resolve("notes"));
        Files.copy(chart.resolve("templates/NOTES.txt"), chart.resolve("notes/NOTES.txt"));
        Files.writeString(chart.resolve("templates/zz-notes.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: notes
                data:
                  notes: {{ tpl (.Files.Get "notes/NOTES.txt") . | quote }}
                """);
    }

    static Stream<Path> valuesFiles() {
        return Chart.ciValuesFiles().stream();
    }

    private static String notes(Path values) {
        return Chart.render(chart, values).get("ConfigMap", "notes").at("/data/notes").asText();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void notesRenderAndTellHowToReachTheAdminApi(Path values) {
        assertThat(notes(values)).contains("port-forward service/").contains("-admin 8081").contains("http://localhost:8081/console").doesNotContain("<no value>");
    }

    @Test
    void notesShowTheGatewaysAddress() {
        assertThat(notes(Chart.ciValues("default"))).contains("port-forward service/nexus-nexusai-gateway 8080")
                .contains("No bootstrap admin key was given");
        assertThat(notes(Chart.ciValues("ingress"))).contains("https://llm.example.com/v1");
        assertThat(notes(Chart.ciValues("loadbalancer"))).contains("get service nexus-nexusai-gateway");
        assertThat(notes(Chart.ciValues("rotation"))).doesNotContain("No bootstrap admin key");
    }

    @Test
    void notesTellHowToCheckTheInFlightMetricOfTheHpa() {
        assertThat(notes(Chart.ciValues("autoscaling-in-flight")))
                .contains("/apis/custom.metrics.k8s.io/v1beta1/namespaces/nexusai/pods/*/nexus_gateway_requests_in_flight")
                .contains("describe hpa nexus-nexusai-gateway");
        assertThat(notes(Chart.ciValues("autoscaling"))).doesNotContain("custom.metrics.k8s.io");
    }
}
