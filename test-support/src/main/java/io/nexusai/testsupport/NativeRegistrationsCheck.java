package io.nexusai.testsupport;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.IndexReader;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.Type;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.WildcardType;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The JVM-mode guard of native executables: every type Jackson bound while this module's tests ran (recorded by
 * {@link JacksonBindings}) must be registered for reflection with {@code @RegisterForReflection}, on the class or in
 * the {@code targets}/{@code classNames} of a registration class of this module or of a library it uses
 * (service-common registers common-api's wire types for every service). Read with Quarkus' own rules: nested
 * classes are registered with their outer class unless {@code ignoreNested}; a registration without methods or
 * fields (or for serialization only) does not count, since Jackson needs both.
 *
 * <p>Run by the build after the module's tests (the {@code native-registrations} execution of surefire), not by
 * the tests themselves. Types Jackson binds by itself (JDK types, {@code JsonNode}) never appear: only beans
 * (classes and records read or written property by property), enums and {@code @JsonValue} types are recorded.
 * Every recorded type must be registered, also those that Quarkus REST registers for its own endpoints: one rule,
 * and it costs nothing. Types the tests never bind are covered as far as the registrations reach: what a registered
 * type holds must be registered too.
 */
public class NativeRegistrationsCheck {
    private static final DotName REGISTER_FOR_REFLECTION = DotName.createSimple("io.quarkus.runtime.annotations.RegisterForReflection");
    /** System property: the module's compiled classes ({@code target/classes}), indexed here as Quarkus indexes them. */
    public static final String CLASSES_PROPERTY = "nexus.classes.dir";
    private static final String OURS = "io.nexusai.";

    @Test
    void everyTypeJacksonBindsIsRegisteredForReflection() throws IOException {
        Map<String, Set<String>> bound = recorded();
        Assumptions.assumeFalse(bound.isEmpty(), "no Jackson bindings were recorded in this build (no @QuarkusTest ran)");
        Set<String> registered = registered();
        List<String> missing = new ArrayList<>();
        bound.forEach((type, directions) -> {
            if (!registered.contains(type)) {
                missing.add(type + " (" + String.join(", ", directions) + ")");
            }
        });
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " type(s) that Jackson binds are not registered for reflection; a native"
                    + " executable could not read or write them (\"No serializer found for class ...\", answered with a 500)."
                    + " Add each to the @RegisterForReflection(targets = ...) of this module's ReflectionRegistrations"
                    + " (common-api types: service-common's io.nexusai.service.config.ReflectionRegistrations):\n  "
                    + String.join("\n  ", missing));
        }
    }

    /**
     * What the tests do not reach, the registrations themselves say: every NexusAI type a registered NexusAI type holds
     * (record components, fields; inside lists, maps, arrays) is registered too, so a registered snapshot cannot be
     * written with its entries left out.
     */
    @Test
    void whatARegisteredTypeHoldsIsRegisteredToo() throws IOException {
        Set<String> registered = registered();
        Set<String> missing = new TreeSet<>();
        for (String name : registered) {
            if (!name.startsWith(OURS)) {
                continue;
            }
            Class<?> type = load(name);
            for (Class<?> c = type; c != null && c.getName().startsWith(OURS); c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers()) || Modifier.isTransient(field.getModifiers()) || field.isSynthetic()) {
                        continue;
                    }
                    for (Class<?> held : classesIn(field.getGenericType(), new ArrayList<>())) {
                        if (held.getName().startsWith(OURS) && !registered.contains(held.getName())) {
                            missing.add(held.getName() + " (held by " + name + "." + field.getName() + ")");
                        }
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " type(s) held by types registered for reflection are not registered"
                    + " themselves; a native executable could not read or write them. Add each to a"
                    + " @RegisterForReflection(targets = ...) ReflectionRegistrations:\n  " + String.join("\n  ", missing));
        }
    }

    private static List<Class<?>> classesIn(java.lang.reflect.Type type, List<Class<?>> out) {
        if (type instanceof Class<?> c) {
            out.add(c.isArray() ? c.getComponentType() : c);
        } else if (type instanceof ParameterizedType p) {
            classesIn(p.getRawType(), out);
            for (java.lang.reflect.Type argument : p.getActualTypeArguments()) {
                classesIn(argument, out);
            }
        } else if (type instanceof GenericArrayType a) {
            classesIn(a.getGenericComponentType(), out);
        } else if (type instanceof WildcardType w) {
            for (java.lang.reflect.Type bound : w.getUpperBounds()) {
                classesIn(bound, out);
            }
        }
        return out;
    }

    /** Type name → "serialise"/"deserialise", from every file the recorder wrote in this build. */
    static Map<String, Set<String>> recorded() throws IOException {
        String dir = System.getProperty(JacksonBindings.DIR_PROPERTY);
        Map<String, Set<String>> bound = new TreeMap<>();
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            return bound;
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".txt")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String[] parts = line.trim().split(" ");
                    if (parts.length == 2) {
                        bound.computeIfAbsent(parts[1], t -> new TreeSet<>()).add(parts[0]);
                    }
                }
            }
        }
        return bound;
    }

    /** Every class registered for reflection with methods and fields, by the annotations Quarkus would read. */
    static Set<String> registered() throws IOException {
        Set<String> registered = new TreeSet<>();
        for (IndexView index : indexes()) {
            for (AnnotationInstance registration : index.getAnnotations(REGISTER_FOR_REFLECTION)) {
                if (!flag(registration, "methods", true) || !flag(registration, "fields", true)
                        || flag(registration, "serialization", false)) {
                    continue;
                }
                boolean nested = !flag(registration, "ignoreNested", false);
                AnnotationValue targets = registration.value("targets");
                AnnotationValue classNames = registration.value("classNames");
                if (targets == null && classNames == null) {
                    add(registration.target().asClass().name().toString(), nested, registered);
                }
                if (targets != null) {
                    for (Type target : targets.asClassArray()) {
                        add(target.name().toString(), nested, registered);
                    }
                }
                if (classNames != null) {
                    for (String name : classNames.asStringArray()) {
                        add(name, nested, registered);
                    }
                }
            }
        }
        return registered;
    }

    private static boolean flag(AnnotationInstance annotation, String name, boolean absent) {
        AnnotationValue value = annotation.value(name);
        return value == null ? absent : value.asBoolean();
    }

    private static void add(String className, boolean nested, Set<String> registered) {
        if (!registered.add(className) || !nested) {
            return;
        }
        for (Class<?> inner : load(className).getDeclaredClasses()) {
            add(inner.getName(), true, registered);
        }
    }

    private static Class<?> load(String className) {
        try {
            return Class.forName(className, false, NativeRegistrationsCheck.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("registered for reflection, but not on the class path: " + className, e);
        }
    }

    /** This module's classes, indexed now, and the Jandex index of every library on the class path that has one. */
    private static List<IndexView> indexes() throws IOException {
        List<IndexView> indexes = new ArrayList<>();
        String classes = System.getProperty(CLASSES_PROPERTY, "target/classes");
        if (Files.isDirectory(Path.of(classes))) {
            Indexer indexer = new Indexer();
            try (Stream<Path> files = Files.walk(Path.of(classes))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        indexer.index(in);
                    }
                }
            }
            indexes.add(indexer.complete());
        }
        Enumeration<URL> libraries = NativeRegistrationsCheck.class.getClassLoader().getResources("META-INF/jandex.idx");
        while (libraries.hasMoreElements()) {
            try (InputStream in = libraries.nextElement().openStream()) {
                Index index = new IndexReader(in).read();
                indexes.add(index);
            }
        }
        return indexes;
    }
}
