package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The images the chart runs: no Docker engine builds them here, so what can be checked without one is: each
 * service has a JVM and a native Dockerfile, they run as the chart's user 185, expose the chart's ports, and the
 * JVM one copies Quarkus's fast-jar layout and uses the serial collector.
 */
class DockerfilesTest {

    static final List<String> components = Chart.COMPONENTS;

    @ParameterizedTest(name = "{0}")
    @FieldSource("components")
    void theJvmImageRunsTheFastJarAsUser185(String component) throws IOException {
        String dockerfile = dockerfile(component, "jvm");
        assertThat(dockerfile).containsPattern("(?m)^FROM registry\\.access\\.redhat\\.com/ubi9/openjdk-21-runtime:\\S+$");
        for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            assertThat(dockerfile).contains("COPY --chown=185 target/quarkus-app/" + layer);
        }
        assertThat(dockerfile).containsPattern("(?m)^USER 185$");
        assertThat(dockerfile).containsPattern("(?m)^ENV JAVA_OPTS=\"[^\"]*-XX:\\+UseSerialGC");
        assertThat(dockerfile).containsPattern("(?m)^ENV GC_CONTAINER_OPTIONS=\"-XX:\\+UseSerialGC\"$");
        assertThat(dockerfile).contains("ENTRYPOINT [ \"/opt/jboss/container/java/run/run-java.sh\" ]");
        assertThat(exposed(dockerfile)).isEqualTo(chartPorts(component));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("components")
    void theNativeImageRunsTheRunnerAsUser185(String component) throws IOException {
        String dockerfile = dockerfile(component, "native");
        assertThat(dockerfile).containsPattern("(?m)^FROM quay\\.io/quarkus/quarkus-micro-image:2\\.0$");
        assertThat(dockerfile).contains("target/*-runner /work/application");
        assertThat(dockerfile).containsPattern("(?m)^USER 185$");
        assertThat(exposed(dockerfile)).isEqualTo(chartPorts(component));
    }

    private static String dockerfile(String component, String flavour) throws IOException {
        Path file = Chart.DIR.resolveSibling(component + "-service").resolve("src/main/docker/Dockerfile." + flavour);
        assertThat(file).exists();
        return Files.readString(file);
    }

    private static String exposed(String dockerfile) {
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
        assertThat(expose.find()).as("EXPOSE").isTrue();
        return expose.group(1).trim();
    }

    /** "http management" ports of a component in the chart's values.yaml. */
    private static String chartPorts(String component) throws IOException {
        JsonNode ports = new YAMLMapper().readTree(Chart.DIR.resolve("values.yaml").toFile()).path(component).path("ports");
        return ports.path("http").asInt() + " " + ports.path("management").asInt();
    }
}
