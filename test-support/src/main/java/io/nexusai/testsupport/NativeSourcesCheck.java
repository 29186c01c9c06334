package io.nexusai.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * After the native build has run up to the point that needs GraalVM ({@code -Pnative-sources}: Quarkus writes the
 * native-image arguments and the jar it would compile to {@code target/native-sources}), reads the reflection
 * configuration Quarkus generated for native-image inside that jar, and checks that every type Jackson bound in this
 * module's tests ({@link JacksonBindings}) is in it with its constructors, methods and fields: what GraalVM would be
 * told, not what our annotations say (the {@link NativeRegistrationsCheck} of the same build). And that every
 * resource of the module's own (its {@code src/main/resources} but the configuration and {@code META-INF}) is in the
 * resources Quarkus includes: native-image leaves out what it is not told about, and {@code getResourceAsStream}
 * then answers {@code null} (a library's resources, such as the gateway's tokenizer vocabulary, are listed in
 * {@code quarkus.native.resources.includes} by hand).
 */
public class NativeSourcesCheck {
    /** System property: the module's {@code target/native-sources}. */
    public static final String DIR_PROPERTY = "nexus.native-sources.dir";
    private static final String CONFIG = "META-INF/native-image/reflect-config.json";
    private static final String RESOURCES = "META-INF/native-image/resource-config.json";

    @Test
    void quarkusTellsNativeImageAboutEveryTypeJacksonBinds() throws IOException {
        Path runner = runner();
        Set<String> reflective = new TreeSet<>();
        for (JsonNode type : read(runner, CONFIG)) {
            if (type.path("allDeclaredConstructors").asBoolean() && type.path("allDeclaredMethods").asBoolean()
                    && type.path("allDeclaredFields").asBoolean()) {
                reflective.add(type.has("name") ? type.get("name").asText() : type.path("type").asText());
            }
        }
        Map<String, Set<String>> bound = NativeRegistrationsCheck.recorded();
        Assumptions.assumeFalse(bound.isEmpty(), "no Jackson bindings were recorded in this build (no @QuarkusTest ran)");
        List<String> missing = new ArrayList<>();
        bound.forEach((type, directions) -> {
            if (!reflective.contains(type)) {
                missing.add(type + " (" + String.join(", ", directions) + ")");
            }
        });
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " type(s) that Jackson binds are missing from the reflection configuration"
                    + " Quarkus generated for native-image (" + runner.getFileName() + "!/" + CONFIG + "):\n  "
                    + String.join("\n  ", missing));
        }
    }

    @Test
    void quarkusIncludesTheModulesOwnResources() throws IOException {
        Path runner = runner();
        List<Pattern> included = new ArrayList<>();
        for (JsonNode include : read(runner, RESOURCES).path("resources").path("includes")) {
            included.add(Pattern.compile(include.path("pattern").asText()));
        }
        Path classes = Path.of(System.getProperty(NativeRegistrationsCheck.CLASSES_PROPERTY, "target/classes"));
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                if (name.endsWith(".class") || name.startsWith("META-INF/") || name.equals("application.properties")) {
                    continue;
                }
                if (included.stream().noneMatch(p -> p.matcher(name).matches())) {
                    missing.add(name);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " resource(s) of this module would be left out of its native executable"
                    + " (add them to quarkus.native.resources.includes):\n  " + String.join("\n  ", missing));
        }
    }

    private static Path runner() throws IOException {
        Path dir = Path.of(System.getProperty(DIR_PROPERTY, "target/native-sources"));
        Assumptions.assumeTrue(Files.isDirectory(dir), "no native sources in " + dir);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no *-runner.jar in " + dir));
        }
    }

    private static JsonNode read(Path runner, String name) throws IOException {
        try (ZipFile jar = new ZipFile(runner.toFile())) {
            ZipEntry entry = jar.getEntry(name);
            if (entry == null) {
                throw new AssertionError(runner + " has no " + name);
            }
            try (InputStream in = jar.getInputStream(entry)) {
                return new ObjectMapper().readTree(in);
            }
        }
    }
}
