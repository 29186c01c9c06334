package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The chart under test (k8s/) and the Helm library that renders it: {@code helm template} and {@code helm lint}
 * through helm-java, with release {@value #RELEASE} in namespace {@value #NAMESPACE} of a Kubernetes
 * {@value #KUBE_VERSION} cluster.
 */
final class Chart {

    static final String RELEASE = "nexus";
    static final String NAMESPACE = "nexusai";
    static final String KUBE_VERSION = "1.33.0";
    static final List<String> COMPONENTS = List.of("gateway", "admin", "auth", "routing", "metering");

    /** The chart directory (the build passes k8s/ of the checkout). */
    static final Path DIR = Path.of(System.getProperty("nexusai.chart.dir", "../k8s")).toAbsolutePath().normalize();
    /** Where tests write (chart copies, schemas): the module's target/. */
    static final Path WORK = Path.of(System.getProperty("nexusai.work.dir", "target/deploy-tests")).toAbsolutePath();

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();

    private Chart() {
    }

    /** Every k8s/ci/*-values.yaml, by name: a new file is tested without touching the tests. */
    static List<Path> ciValuesFiles() {
        try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path ciValues(String name) {
        Path file = DIR.resolve("ci").resolve(name + "-values.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + file);
        }
        return file;
    }

    /** {@code helm template} of the chart with a ci values file (rendered once per run). */
    static Rendered render(Path valuesFile) {
        return RENDERED.computeIfAbsent(DIR + "|" + valuesFile, k -> render(DIR, valuesFile));
    }

    /** {@code helm template} of a chart directory with a values file (none: the chart's own values only). */
    static Rendered render(Path chartDir, Path valuesFile) {
        String name = valuesFile == null ? "values.yaml" : valuesFile.getFileName().toString();
        return new Rendered(name, parse(template(chartDir, valuesFile)));
    }

    /** The manifest {@code helm template} prints; throws with Helm's message when rendering fails. */
    static String template(Path chartDir, Path valuesFile) {
        TemplateCommand template = new Helm(chartDir).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        return template.call();
    }

    /**
     * {@code helm lint} of the chart with a values file. helm-java's lint takes no values file, so the chart is
     * copied to target/ with the file merged into its values.yaml the way Helm merges {@code -f} (maps key by
     * key, anything else replaced).
     */
    static LintResult lint(Path valuesFile) {
        Path chart = copy(WORK.resolve("lint").resolve(valuesFile.getFileName().toString().replace(".yaml", "")));
        try {
            ObjectNode values = (ObjectNode) YAML.readTree(chart.resolve("values.yaml").toFile());
            merge(values, (ObjectNode) YAML.readTree(valuesFile.toFile()));
            YAML.writeValue(chart.resolve("values.yaml").toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(chart).lint().call();
    }

    /** {@code helm lint} of the chart as it is (its own values.yaml only). */
    static LintResult lintAsIs() {
        return new Helm(DIR).lint().call();
    }

    /** A fresh copy of the chart at {@code parent}/nexusai (a chart directory is named after its chart). */
    static Path copy(Path parent) {
        Path target = parent.resolve("nexusai");
        try {
            if (Files.exists(target)) {
                try (Stream<Path> old = Files.walk(target)) {
                    for (Path p : old.sorted((a, b) -> b.compareTo(a)).toList()) {
                        Files.delete(p);
                    }
                }
            }
            try (Stream<Path> files = Files.walk(DIR)) {
                for (Path source : files.toList()) {
                    Path copy = target.resolve(DIR.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue() instanceof ObjectNode value && into.get(field.getKey()) instanceof ObjectNode existing) {
                merge(existing, value);
            } else {
                into.set(field.getKey(), field.getValue());
            }
        }
    }

    static List<ObjectNode> parse(String manifest) {
        List<ObjectNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(manifest)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document instanceof ObjectNode object) {
                    objects.add(object);
                } else if (document != null && !document.isNull() && !document.isMissingNode()) {
                    throw new IllegalStateException("not an object: " + document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm template printed no valid YAML", e);
        }
        return objects;
    }
}
