package io.nexusai.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON against the schemas of the official OpenAI API description ({@code openai/openai-openapi.yaml}
 * on the class path), e.g. {@code validate("CreateChatCompletionResponse", json)}. OpenAPI's
 * {@code nullable: true} is honoured.
 */
public final class OpenAiSchemas {
    private static final String DOCUMENT = "classpath:openai/openai-openapi.yaml";
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .nullableKeywordEnabled(true)
            .formatAssertionsEnabled(false)
            .build();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OpenAiSchemas() {
    }

    /** The problems of {@code json} against {@code #/components/schemas/<schema>}; empty when it is valid. */
    public static List<String> validate(String schema, JsonNode json) {
        JsonSchema s = SCHEMAS.computeIfAbsent(schema, name ->
                FACTORY.getSchema(SchemaLocation.of(DOCUMENT + "#/components/schemas/" + name), CONFIG));
        return s.validate(json).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /** {@link #validate(String, JsonNode)} for a JSON text. */
    public static List<String> validate(String schema, String json) {
        try {
            return validate(schema, MAPPER.readTree(json));
        } catch (java.io.IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }
}
