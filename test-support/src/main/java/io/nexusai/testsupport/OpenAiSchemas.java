package io.nexusai.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON against the schemas of the official OpenAI API description ({@code openai/openai-openapi.yaml}
 * on the class path), e.g. {@code validate("CreateChatCompletionResponse", json)}.
 *
 * <p>The description is OpenAPI 3.1 but still marks optional values with 3.0's {@code nullable: true}, often
 * next to a {@code $ref}, which JSON Schema validators ignore. On loading, every {@code nullable: true} schema
 * becomes {@code anyOf: [<the schema>, {type: null}]}, which is what it means.
 */
public final class OpenAiSchemas {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static volatile String document;

    private OpenAiSchemas() {
    }

    /** The problems of {@code json} against {@code #/components/schemas/<schema>}; empty when it is valid. */
    public static List<String> validate(String schema, JsonNode json) {
        JsonSchema s = SCHEMAS.computeIfAbsent(schema, name ->
                FACTORY.getSchema(SchemaLocation.of(document() + "#/components/schemas/" + name), CONFIG));
        return s.validate(json).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /** {@link #validate(String, JsonNode)} for a JSON text. */
    public static List<String> validate(String schema, String json) {
        try {
            return validate(schema, MAPPER.readTree(json));
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }

    private static synchronized String document() {
        if (document == null) {
            try (InputStream in = OpenAiSchemas.class.getResourceAsStream("/openai/openai-openapi.yaml")) {
                JsonNode spec = rewriteNullable(new YAMLMapper().readTree(in));
                Path file = Files.createTempFile("openai-openapi-", ".json");
                file.toFile().deleteOnExit();
                MAPPER.writeValue(file.toFile(), spec);
                document = file.toUri().toString();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the OpenAI API description", e);
            }
        }
        return document;
    }

    private static JsonNode rewriteNullable(JsonNode node) {
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, rewriteNullable(array.get(i)));
            }
            return array;
        }
        if (!(node instanceof ObjectNode object)) {
            return node;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            field.setValue(rewriteNullable(field.getValue()));
        }
        if (object.path("nullable").asBoolean(false)) {
            object.remove("nullable");
            ObjectNode wrapper = MAPPER.createObjectNode();
            if (object.has("description")) {
                wrapper.set("description", object.get("description"));
            }
            ArrayNode anyOf = wrapper.putArray("anyOf");
            anyOf.add(object);
            anyOf.addObject().put("type", "null");
            return wrapper;
        }
        return object;
    }
}
