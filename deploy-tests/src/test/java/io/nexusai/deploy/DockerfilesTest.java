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
 * JVM one is on JDK 25, copies Quarkus's jar layout, uses the serial collector, and trains and uses its JDK AOT cache
 * with the chart's module options.
 */
class DockerfilesTest {

    static final List<String> components = Chart.COMPONENTS;

    @ParameterizedTest(name = "{0}")
    @FieldSource("components")
    void theJvmImageRunsTheFastJarAsUser185(String component) throws IOException {
        String dockerfile = dockerfile(component, "jvm");
        assertThat(dockerfile).containsPattern("(?m)^FROM registry\\.access\\.redhat\\.com/ubi9/openjdk-25-runtime:\\S+$");
        for (String layer : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            assertThat(dockerfile).contains("COPY --chown=185 target/quarkus-app/" + layer);
        }
        assertThat(dockerfile).containsPattern("(?m)^USER 185$");
        assertThat(dockerfile).containsPattern("(?m)^ENV JAVA_OPTS=\"[^\"]*-XX:\\+UseSerialGC");
        assertThat(dockerfile).containsPattern("(?m)^ENV GC_CONTAINER_OPTIONS=\"-XX:\\+UseSerialGC\"$");
        assertThat(dockerfile).contains("ENTRYPOINT [ \"/opt/jboss/container/java/run/run-java.sh\" ]");
        assertThat(exposed(dockerfile)).isEqualTo(chartPorts(component));
    }

    /**
     * The JDK AOT cache: made by a training run of the image's own start (run-java.sh, with JAVA_OPTS' -XX:AOTCache
     * turned into -XX:AOTCacheOutput) polling the component's management port, used by every start, and the image's
     * JAVA_OPTS has the module options of the chart's global.jvmOptions (a cache does not fit other module options).
     */
    @ParameterizedTest(name = "{0}")
    @FieldSource("components")
    void theJvmImageTrainsAndUsesItsAotCache(String component) throws IOException {
        String dockerfile = dockerfile(component, "jvm");
        Matcher javaOpts = Pattern.compile("(?m)^ENV JAVA_OPTS=\"([^\"]*)\"$").matcher(dockerfile);
        assertThat(javaOpts.find()).as("ENV JAVA_OPTS").isTrue();
        assertThat(javaOpts.group(1)).endsWith(" -XX:AOTCache=/deployments/app.aot");
        JsonNode values = new YAMLMapper().readTree(Chart.DIR.resolve("values.yaml").toFile());
        assertThat(values.at("/global/aotCache").asText()).isEqualTo("/deployments/app.aot");
        for (JsonNode option : values.at("/global/jvmOptions")) {
            if (option.asText().startsWith("--")) {
                assertThat(javaOpts.group(1).split(" ")).as("module options of the chart").contains(option.asText());
            }
        }
        String management = values.path(component).at("/ports/management").asText();
        assertThat(dockerfile).contains("RUN JAVA_OPTS=\"${JAVA_OPTS/-XX:AOTCache=/-XX:AOTCacheOutput=}")
                .contains("/opt/jboss/container/java/run/run-java.sh & java=$!;")
                .contains("http " + management + " /q/health/started && break")
                .contains("test -s /deployments/app.aot");
        assertThat(dockerfile.indexOf("RUN JAVA_OPTS=")).as("trained after the application is in place")
                .isGreaterThan(dockerfile.indexOf("COPY --chown=185 target/quarkus-app/quarkus/"));
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
