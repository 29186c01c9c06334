package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The fields of a chat-completions request that shape its choices beyond the text: {@code n},
 * {@code logprobs}/{@code top_logprobs}, {@code parallel_tool_calls} and {@code response_format}, validated the
 * way OpenAI validates them so that clients meet the same 400s (and {@code param}s) here as in production.
 *
 * @param n                 how many choices
 * @param logprobs          whether each choice carries the log probabilities of its content tokens
 * @param topLogprobs       how many alternatives each token lists (0..{@value #MAX_TOP_LOGPROBS})
 * @param parallelToolCalls whether the model may call several tools at once (OpenAI's default: yes)
 * @param format            the structured output asked for, or {@code null} for text
 */
record ChatOptions(int n, boolean logprobs, int topLogprobs, boolean parallelToolCalls, ResponseFormat format) {
    static final int MAX_N = 128;
    static final int MAX_TOP_LOGPROBS = 20;
    private static final Set<String> FORMATS = Set.of("text", "json_object", "json_schema");

    /**
     * {@code response_format} beyond text.
     *
     * @param type   {@code json_object} or {@code json_schema}
     * @param name   the schema's name ({@code json_schema} only)
     * @param schema the JSON schema the content must satisfy ({@code json_schema} only)
     * @param strict whether strict mode was asked for (every property is then produced)
     */
    record ResponseFormat(String type, String name, JsonNode schema, boolean strict) {
        boolean jsonSchema() {
            return "json_schema".equals(type);
        }
    }

    /** A request field OpenAI refuses: its message and {@code param}. */
    static final class Invalid extends RuntimeException {
        final String param;

        Invalid(String message, String param) {
            super(message);
            this.param = param;
        }
    }

    /**
     * The options of a chat request body.
     *
     * @throws Invalid when a field is out of range or malformed
     */
    static ChatOptions of(JsonNode body) {
        int n = integer(body.get("n"), "n", 1, 1, MAX_N);
        JsonNode logprobsField = body.get("logprobs");
        boolean logprobs = logprobsField != null && logprobsField.asBoolean(false);
        JsonNode top = body.get("top_logprobs");
        int topLogprobs = integer(top, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS);
        if (top != null && !top.isNull() && !logprobs) {
            throw new Invalid("Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                    + "'top_logprobs' is specified.", "top_logprobs");
        }
        boolean parallel = !(body.path("parallel_tool_calls").isBoolean() && !body.get("parallel_tool_calls").asBoolean());
        return new ChatOptions(n, logprobs, topLogprobs, parallel, responseFormat(body.get("response_format")));
    }

    /** An optional integer field within {@code [min, max]}, worded as OpenAI words its range errors. */
    private static int integer(JsonNode value, String param, int absent, int min, int max) {
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new Invalid("Invalid type for '" + param + "': expected an integer, but got "
                    + typeName(value) + " instead.", param);
        }
        if (value.asInt() < min) {
            throw new Invalid("Invalid '" + param + "': integer below minimum value. Expected a value >= " + min
                    + ", but got " + value.asInt() + " instead.", param);
        }
        if (value.asInt() > max) {
            throw new Invalid("Invalid '" + param + "': integer above maximum value. Expected a value <= " + max
                    + ", but got " + value.asInt() + " instead.", param);
        }
        return value.asInt();
    }

    private static ResponseFormat responseFormat(JsonNode format) {
        if (format == null || format.isNull()) {
            return null;
        }
        if (!format.isObject()) {
            throw new Invalid("Invalid type for 'response_format': expected an object, but got " + typeName(format)
                    + " instead.", "response_format");
        }
        String type = format.path("type").asText("");
        if (!format.has("type")) {
            throw new Invalid("Missing required parameter: 'response_format.type'.", "response_format.type");
        }
        if (!FORMATS.contains(type)) {
            throw new Invalid("Invalid value: '" + type + "'. Supported values are: 'json_object', 'json_schema', "
                    + "and 'text'.", "response_format.type");
        }
        if (type.equals("text")) {
            return null;
        }
        if (type.equals("json_object")) {
            return new ResponseFormat(type, null, null, false);
        }
        JsonNode jsonSchema = format.get("json_schema");
        if (jsonSchema == null || jsonSchema.isNull()) {
            throw new Invalid("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema");
        }
        if (!jsonSchema.isObject()) {
            throw new Invalid("Invalid type for 'response_format.json_schema': expected an object, but got "
                    + typeName(jsonSchema) + " instead.", "response_format.json_schema");
        }
        JsonNode name = jsonSchema.get("name");
        if (name == null || name.isNull()) {
            throw new Invalid("Missing required parameter: 'response_format.json_schema.name'.",
                    "response_format.json_schema.name");
        }
        if (!name.isTextual() || !name.asText().matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new Invalid("Invalid 'response_format.json_schema.name': string does not match pattern. Expected "
                    + "a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", "response_format.json_schema.name");
        }
        JsonNode schema = jsonSchema.get("schema");
        if (schema == null || schema.isNull()) {
            throw new Invalid("Missing required parameter: 'response_format.json_schema.schema'.",
                    "response_format.json_schema.schema");
        }
        if (!schema.isObject()) {
            throw new Invalid("Invalid type for 'response_format.json_schema.schema': expected an object, but got "
                    + typeName(schema) + " instead.", "response_format.json_schema.schema");
        }
        boolean strict = jsonSchema.path("strict").asBoolean(false);
        if (strict) {
            checkStrict(name.asText(), schema, new ArrayList<>(), true);
        }
        return new ResponseFormat(type, name.asText(), schema, strict);
    }

    /**
     * Strict mode's rules on a schema, as OpenAI enforces them: the root is an object, and every object sets
     * {@code additionalProperties: false} and lists all its properties in {@code required}.
     */
    private static void checkStrict(String name, JsonNode schema, List<String> context, boolean root) {
        if (!schema.isObject()) {
            return;
        }
        String where = "Invalid schema for response_format '" + name + "': In context=("
                + String.join(", ", context.stream().map(c -> "'" + c + "'").toList()) + "), ";
        boolean object = "object".equals(schema.path("type").asText())
                || schema.path("type").isArray() && schema.get("type").toString().contains("\"object\"");
        if (root && !object) {
            throw new Invalid(where + "schema must be a JSON Schema of 'type: \"object\"', got 'type: \""
                    + schema.path("type").asText() + "\"'.", "response_format");
        }
        if (object) {
            JsonNode additional = schema.get("additionalProperties");
            if (additional == null || !additional.isBoolean() || additional.asBoolean()) {
                throw new Invalid(where + "'additionalProperties' is required to be supplied and to be false.",
                        "response_format");
            }
            List<String> required = new ArrayList<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            for (Iterator<String> names = schema.path("properties").fieldNames(); names.hasNext(); ) {
                String property = names.next();
                if (!required.contains(property)) {
                    throw new Invalid(where + "'required' is required to be supplied and to be an array including "
                            + "every key in properties. Missing '" + property + "'.", "response_format");
                }
            }
        }
        for (Iterator<String> names = schema.path("properties").fieldNames(); names.hasNext(); ) {
            String property = names.next();
            checkStrict(name, schema.get("properties").get(property), with(context, "properties", property), false);
        }
        checkStrict(name, schema.path("items"), with(context, "items"), false);
        for (String defs : List.of("$defs", "definitions")) {
            for (Iterator<String> names = schema.path(defs).fieldNames(); names.hasNext(); ) {
                String def = names.next();
                checkStrict(name, schema.get(defs).get(def), with(context, defs, def), false);
            }
        }
        JsonNode anyOf = schema.path("anyOf");
        for (int i = 0; i < anyOf.size(); i++) {
            checkStrict(name, anyOf.get(i), with(context, "anyOf", String.valueOf(i)), false);
        }
    }

    private static List<String> with(List<String> context, String... more) {
        List<String> longer = new ArrayList<>(context);
        longer.addAll(List.of(more));
        return longer;
    }

    private static String typeName(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> "null";
        };
    }
}
