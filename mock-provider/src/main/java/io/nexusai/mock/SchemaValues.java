package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Deterministic JSON values that satisfy a JSON schema, as a model constrained by structured outputs or asked for
 * tool arguments would produce: the same schema and text always give the same value, so tests can predict it.
 *
 * <p>The subset of JSON Schema OpenAI's structured outputs accept is covered: {@code type} (one or an array, whose
 * first non-null entry is used), {@code properties}/{@code required}, {@code items} with {@code minItems}/
 * {@code maxItems}, {@code enum} (first value), {@code const}, {@code anyOf}/{@code oneOf}/{@code allOf} (first
 * branch), {@code $ref} to {@code $defs} or {@code definitions} (any local JSON pointer), string
 * {@code format}s and {@code minLength}/{@code maxLength}, number bounds. Values: strings are the given text,
 * numbers and integers {@value Replies#NUMBER_ARGUMENT} (moved into the bounds), booleans {@code true}, arrays
 * one item (or {@code minItems}), objects their required properties — every property under strict mode, where
 * OpenAI requires them all. Recursion is cut at {@value #MAX_DEPTH} levels (arrays then stay at
 * {@code minItems}, nullable values become {@code null}).
 */
final class SchemaValues {
    /** Nesting beyond which recursive schemas stop growing. */
    static final int MAX_DEPTH = 12;

    private final JsonNode root;
    private final String text;
    private final boolean strict;

    private SchemaValues(JsonNode root, String text, boolean strict) {
        this.root = root;
        this.text = text;
        this.strict = strict;
    }

    /**
     * A value valid against {@code schema}.
     *
     * @param text   the value of strings
     * @param strict whether every property of an object is produced (strict mode), not only the required ones
     */
    static JsonNode generate(JsonNode schema, String text, boolean strict) {
        return new SchemaValues(schema, text, strict).value(schema, 0);
    }

    private JsonNode value(JsonNode schema, int depth) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (schema == null || !schema.isObject()) {
            return nodes.nullNode();
        }
        if (schema.hasNonNull("$ref")) {
            return depth > MAX_DEPTH ? nodes.nullNode() : value(resolve(schema.get("$ref").asText()), depth + 1);
        }
        if (schema.has("const")) {
            return schema.get("const").deepCopy();
        }
        if (schema.path("enum").isArray() && !schema.get("enum").isEmpty()) {
            return schema.get("enum").get(0).deepCopy();
        }
        for (String combinator : List.of("anyOf", "oneOf", "allOf")) {
            JsonNode branches = schema.path(combinator);
            if (branches.isArray() && !branches.isEmpty()) {
                return value(preferred(branches, depth), depth + 1);
            }
        }
        List<String> types = types(schema);
        if (types.isEmpty()) {
            return nodes.nullNode();
        }
        String type = types.getFirst();
        if (depth > MAX_DEPTH && types.contains("null")) {
            return nodes.nullNode();
        }
        return switch (type) {
            case "object" -> object(schema, depth);
            case "array" -> array(schema, depth);
            case "string" -> nodes.textNode(string(schema));
            case "integer" -> nodes.numberNode((long) Math.ceil(number(schema)));
            case "number" -> number(schema) == Math.rint(number(schema))
                    ? nodes.numberNode((long) number(schema)) : nodes.numberNode(number(schema));
            case "boolean" -> nodes.booleanNode(true);
            default -> nodes.nullNode();
        };
    }

    private ObjectNode object(JsonNode schema, int depth) {
        ObjectNode out = Json.object();
        JsonNode properties = schema.path("properties");
        if (strict) {
            for (Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                out.set(name, value(properties.get(name), depth + 1));
            }
        }
        for (JsonNode required : schema.path("required")) {
            String name = required.asText();
            if (!out.has(name)) {
                out.set(name, value(properties.path(name), depth + 1));
            }
        }
        return out;
    }

    private ArrayNode array(JsonNode schema, int depth) {
        ArrayNode out = Json.array();
        int min = schema.path("minItems").asInt(0);
        int count = depth > MAX_DEPTH ? min : Math.max(1, min);
        if (schema.has("maxItems")) {
            count = Math.min(count, schema.get("maxItems").asInt());
        }
        for (int i = 0; i < count; i++) {
            out.add(value(schema.path("items"), depth + 1));
        }
        return out;
    }

    private String string(JsonNode schema) {
        String value = switch (schema.path("format").asText("")) {
            case "date-time" -> "2024-01-01T00:00:00Z";
            case "date" -> "2024-01-01";
            case "time" -> "00:00:00";
            case "email" -> "mock@example.com";
            case "uri", "url" -> "https://example.com/";
            case "uuid" -> "00000000-0000-4000-8000-000000000000";
            default -> text;
        };
        int min = schema.path("minLength").asInt(0);
        if (value.codePointCount(0, value.length()) < min) {
            value = value + "x".repeat(min - value.codePointCount(0, value.length()));
        }
        if (schema.has("maxLength") && value.codePointCount(0, value.length()) > schema.get("maxLength").asInt()) {
            value = value.substring(0, value.offsetByCodePoints(0, schema.get("maxLength").asInt()));
        }
        return value;
    }

    /** {@value Replies#NUMBER_ARGUMENT}, moved into the schema's bounds. */
    private static double number(JsonNode schema) {
        double value = Replies.NUMBER_ARGUMENT;
        if (schema.path("minimum").isNumber()) {
            value = Math.max(value, schema.get("minimum").asDouble());
        }
        if (schema.path("exclusiveMinimum").isNumber() && value <= schema.get("exclusiveMinimum").asDouble()) {
            value = Math.floor(schema.get("exclusiveMinimum").asDouble()) + 1;
        }
        if (schema.path("maximum").isNumber()) {
            value = Math.min(value, schema.get("maximum").asDouble());
        }
        if (schema.path("exclusiveMaximum").isNumber() && value >= schema.get("exclusiveMaximum").asDouble()) {
            value = Math.ceil(schema.get("exclusiveMaximum").asDouble()) - 1;
        }
        return value;
    }

    /** The branch to follow: the first, or past the depth limit the first that ends recursion (a null branch). */
    private JsonNode preferred(JsonNode branches, int depth) {
        if (depth > MAX_DEPTH) {
            for (JsonNode branch : branches) {
                if (types(branch).equals(List.of("null"))) {
                    return branch;
                }
            }
        }
        return branches.get(0);
    }

    /** The schema's types: {@code type} as a list with non-null types first, else inferred from its keywords. */
    private static List<String> types(JsonNode schema) {
        List<String> types = new ArrayList<>();
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            types.add(type.asText());
        } else if (type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    types.add(t.asText());
                }
            }
            for (JsonNode t : type) {
                if ("null".equals(t.asText())) {
                    types.add("null");
                }
            }
        } else if (schema.has("properties")) {
            types.add("object");
        } else if (schema.has("items")) {
            types.add("array");
        }
        return types;
    }

    /** The schema a local {@code $ref} ({@code #/$defs/X}, {@code #/definitions/X}, {@code #}) points at. */
    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        JsonNode target = root.at(ref.substring(1));
        return target.isMissingNode() ? null : target;
    }
}
