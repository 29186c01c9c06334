package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.annotations.SerializedName;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON schemas of every kind the chart renders, and validation of rendered objects against them.
 *
 * <p>Kubernetes kinds: the schemas are derived from the models of the official Kubernetes Java client
 * ({@code io.kubernetes:client-java-api}), which are generated from the Kubernetes OpenAPI document and keep its
 * property names ({@code @SerializedName}), types, and per model the sets {@code openapiFields} and
 * {@code openapiRequiredFields}. Every model becomes a definition with exactly those properties
 * ({@code additionalProperties: false}, so a misspelt or misplaced field fails) and those required fields;
 * int-or-string and quantity fields take an integer or a string, a quantity also a number, and a quantity given as
 * a string must have the form Kubernetes parses ({@link #QUANTITY}: "250m", "384Mi", "2", "1e3").
 *
 * <p>The prometheus-operator ServiceMonitor: the JSON schema file {@code schema/validation-schema.json} bundled
 * in fabric8's {@code io.fabric8:openshift-model-monitoring} jar (generated from the operator's Go types). It
 * allows any extra field and lists no required ones, so it is made strict the same way (no extra fields), and the
 * fields a ServiceMonitor of the chart must have are required here: apiVersion, kind, metadata.name, spec.selector,
 * spec.endpoints.
 *
 * <p>Every root schema also pins apiVersion and kind and requires metadata.name. A kind not listed in
 * {@link #KINDS} has no schema: validating it fails, so a new kind in the chart needs its schema here first.
 */
final class KubernetesSchemas {

    private static final String MODELS = "io.kubernetes.client.openapi.models.";
    private static final String SERVICE_MONITOR = "monitoring.coreos.com/v1 ServiceMonitor";

    /** apiVersion and kind → model of the Kubernetes Java client. */
    static final Map<String, String> KINDS = Map.of(
            "v1 ConfigMap", "V1ConfigMap",
            "v1 Secret", "V1Secret",
            "v1 Service", "V1Service",
            "v1 ServiceAccount", "V1ServiceAccount",
            "apps/v1 Deployment", "V1Deployment",
            "autoscaling/v2 HorizontalPodAutoscaler", "V2HorizontalPodAutoscaler",
            "policy/v1 PodDisruptionBudget", "V1PodDisruptionBudget",
            "networking.k8s.io/v1 NetworkPolicy", "V1NetworkPolicy",
            "networking.k8s.io/v1 Ingress", "V1Ingress");

    /** A quantity as a string: a number and an optional suffix (the Kubernetes OpenAPI pattern of a Quantity). */
    static final String QUANTITY = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static KubernetesSchemas instance;

    private final ObjectNode definitions = NODES.objectNode();
    private final Map<String, JsonSchema> schemas = new LinkedHashMap<>();

    /** The schemas, built once per test run; a copy of each root schema is written to {@code dir}. */
    static synchronized KubernetesSchemas get(Path dir) {
        if (instance == null) {
            instance = new KubernetesSchemas(dir);
        }
        return instance;
    }

    private KubernetesSchemas(Path dir) {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
        Map<String, ObjectNode> roots = new LinkedHashMap<>();
        KINDS.forEach((kind, model) -> roots.put(kind, root(kind, define(model(model)), definitions)));
        roots.put(SERVICE_MONITOR, serviceMonitorRoot());
        try {
            Files.createDirectories(dir);
            for (var root : roots.entrySet()) {
                schemas.put(root.getKey(), factory.getSchema(root.getValue()));
                String file = root.getKey().replaceAll("[^A-Za-z0-9.]+", "-") + ".json";
                JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(file).toFile(), root.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kinds with a schema, as "apiVersion kind". */
    Set<String> kinds() {
        return Collections.unmodifiableSet(schemas.keySet());
    }

    /** What is wrong with a rendered object; empty when it matches the schema of its kind. */
    List<String> validate(JsonNode object) {
        String kind = object.path("apiVersion").asText() + " " + object.path("kind").asText();
        JsonSchema schema = schemas.get(kind);
        if (schema == null) {
            return List.of("no schema for " + kind + " (known: " + schemas.keySet() + ")");
        }
        List<String> problems = new ArrayList<>();
        for (ValidationMessage message : schema.validate(object)) {
            problems.add(message.getMessage());
        }
        Collections.sort(problems);
        return problems;
    }

    // ---- Kubernetes kinds, from the Java client's models ----------------------------------------------------

    private static Class<?> model(String simpleName) {
        try {
            return Class.forName(MODELS + simpleName);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no model " + simpleName + " in io.kubernetes:client-java-api", e);
        }
    }

    private static boolean isModel(Class<?> type) {
        try {
            return Modifier.isStatic(type.getField("openapiFields").getModifiers());
        } catch (NoSuchFieldException e) {
            return false;
        }
    }

    /** Adds the definition of a model (and of every model it refers to); returns its name. */
    private String define(Class<?> model) {
        String name = model.getSimpleName();
        if (definitions.has(name)) {
            return name;
        }
        ObjectNode definition = definitions.putObject(name); // first, so that recursive models end here
        definition.put("type", "object");
        ObjectNode properties = definition.putObject("properties");
        Set<String> fields = staticSet(model, "openapiFields");
        Set<String> required = new TreeSet<>(staticSet(model, "openapiRequiredFields"));
        for (Field field : model.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            SerializedName serialized = field.getAnnotation(SerializedName.class);
            String property = serialized == null ? field.getName() : serialized.value();
            if (fields.contains(property)) {
                properties.set(property, schemaOf(field.getGenericType()));
            }
        }
        if (properties.size() != fields.size()) {
            throw new IllegalStateException(name + ": properties " + iterable(properties.fieldNames())
                    + " do not cover openapiFields " + fields);
        }
        definition.put("additionalProperties", false);
        if (!required.isEmpty()) {
            ArrayNode list = definition.putArray("required");
            required.forEach(list::add);
        }
        return name;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> staticSet(Class<?> model, String field) {
        try {
            return (Set<String>) model.getField(field).get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(model.getSimpleName() + "." + field, e);
        }
    }

    private ObjectNode schemaOf(Type type) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type[] arguments = parameterized.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw)) {
                ObjectNode array = NODES.objectNode().put("type", "array");
                array.set("items", schemaOf(arguments[0]));
                return array;
            }
            if (Map.class.isAssignableFrom(raw)) {
                ObjectNode map = NODES.objectNode().put("type", "object");
                map.set("additionalProperties", schemaOf(arguments[1]));
                return map;
            }
            throw new IllegalStateException("no JSON schema for " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c == String.class || c == OffsetDateTime.class || c == byte[].class) {
            return NODES.objectNode().put("type", "string");
        }
        if (c == Integer.class || c == Long.class) {
            return NODES.objectNode().put("type", "integer");
        }
        if (c == Boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (c == Double.class || c == Float.class || c == BigDecimal.class) {
            return NODES.objectNode().put("type", "number");
        }
        if (c == IntOrString.class) {
            return types("integer", "string");
        }
        if (c == Quantity.class) {
            return types("string", "number").put("pattern", QUANTITY);
        }
        if (c == Object.class) {
            return NODES.objectNode(); // free-form (RawExtension and the like)
        }
        if (c.isEnum()) {
            ObjectNode schema = NODES.objectNode().put("type", "string");
            ArrayNode values = schema.putArray("enum");
            for (Field constant : c.getFields()) {
                if (constant.isEnumConstant()) {
                    SerializedName serialized = constant.getAnnotation(SerializedName.class);
                    values.add(serialized == null ? constant.getName() : serialized.value());
                }
            }
            return schema;
        }
        if (isModel(c)) {
            return ref(define(c));
        }
        throw new IllegalStateException("no JSON schema for " + c.getName());
    }

    private static ObjectNode types(String... types) {
        ObjectNode schema = NODES.objectNode();
        ArrayNode list = schema.putArray("type");
        for (String type : types) {
            list.add(type);
        }
        return schema;
    }

    private static ObjectNode ref(String definition) {
        return NODES.objectNode().put("$ref", "#/definitions/" + definition);
    }

    /**
     * The schema of a whole object: its definition, with apiVersion and kind pinned and metadata.name required
     * (plus the extra requirements given as JSON pointers of objects → required properties).
     */
    private static ObjectNode root(String kind, String definition, ObjectNode definitions,
                                   Map<String, List<String>> extraRequired) {
        String[] apiVersionAndKind = kind.split(" ");
        ObjectNode root = NODES.objectNode();
        root.put("$schema", "http://json-schema.org/draft-07/schema#");
        root.put("title", kind);
        root.set("definitions", definitions);
        root.putArray("allOf").add(ref(definition));
        ObjectNode properties = root.putObject("properties");
        properties.putObject("apiVersion").put("const", apiVersionAndKind[0]);
        properties.putObject("kind").put("const", apiVersionAndKind[1]);
        properties.putObject("metadata").putArray("required").add("name");
        ArrayNode required = root.putArray("required").add("apiVersion").add("kind").add("metadata");
        extraRequired.forEach((pointer, names) -> {
            if (pointer.isEmpty()) {
                names.forEach(required::add);
                return;
            }
            ObjectNode at = properties;
            String[] path = pointer.substring(1).split("/");
            for (int i = 0; i < path.length; i++) {
                ObjectNode step = at.has(path[i]) ? (ObjectNode) at.get(path[i]) : at.putObject(path[i]);
                at = i == path.length - 1 ? step : step.has("properties")
                        ? (ObjectNode) step.get("properties") : step.putObject("properties");
            }
            ArrayNode list = at.putArray("required");
            names.forEach(list::add);
        });
        return root;
    }

    private static ObjectNode root(String kind, String definition, ObjectNode definitions) {
        return root(kind, definition, definitions, Map.of());
    }

    // ---- ServiceMonitor, from fabric8's bundled schema -----------------------------------------------------

    private static ObjectNode serviceMonitorRoot() {
        JsonNode bundled = readBundledSchema("openshift-model-monitoring");
        ObjectNode definitions = NODES.objectNode();
        bundled.get("definitions").fields().forEachRemaining(entry -> {
            String javaType = entry.getValue().path("existingJavaType").asText(entry.getValue().path("javaType").asText());
            ObjectNode definition;
            if (javaType.endsWith(".IntOrString")) {
                definition = types("integer", "string");
            } else if (javaType.endsWith(".Quantity")) {
                definition = types("string", "number");
            } else {
                definition = strict(entry.getValue().deepCopy());
            }
            definitions.set(entry.getKey(), definition);
        });
        return root(SERVICE_MONITOR, "os_monitoring_v1_ServiceMonitor", definitions,
                Map.of("", List.of("spec"), "/spec", List.of("selector", "endpoints")));
    }

    /** The JSON schema file a fabric8 model jar bundles, found by the jar's name. */
    private static JsonNode readBundledSchema(String artifactId) {
        try {
            Iterator<URL> urls = KubernetesSchemas.class.getClassLoader()
                    .getResources("schema/validation-schema.json").asIterator();
            while (urls.hasNext()) {
                URL url = urls.next();
                if (url.toString().contains("/" + artifactId + "-")) {
                    try (InputStream in = url.openStream()) {
                        return JSON.readTree(in);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("schema/validation-schema.json of " + artifactId + " is not on the class path");
    }

    /**
     * fabric8's schema made strict: Java hints dropped, draft-3 style {@code "required": true} on a property
     * turned into the object's required list, and objects with declared properties closed to others.
     */
    private static ObjectNode strict(ObjectNode schema) {
        schema.remove(List.of("javaType", "javaInterfaces", "existingJavaType", "javaOmitEmpty", "default"));
        if (schema.get("properties") instanceof ObjectNode properties) {
            List<String> required = new ArrayList<>();
            properties.fields().forEachRemaining(property -> {
                ObjectNode value = (ObjectNode) property.getValue();
                if (value.path("required").asBoolean(false)) {
                    required.add(property.getKey());
                }
                value.remove("required");
                strict(value);
            });
            if (!required.isEmpty()) {
                ArrayNode list = schema.putArray("required");
                required.forEach(list::add);
            }
            schema.put("additionalProperties", false);
        } else if (schema.get("additionalProperties") instanceof ObjectNode values) {
            strict(values);
        }
        if (schema.get("items") instanceof ObjectNode items) {
            strict(items);
        }
        return schema;
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
