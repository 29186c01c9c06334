package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

import java.util.Set;

/**
 * The checks of a Responses request body ({@code CreateResponse} in OpenAI's description): types and ranges of the
 * fields the gateway reads, with OpenAI's wording and the {@code param} at fault. Item and tool types it does not
 * know pass (a native upstream may serve them); the translator over chat refuses what chat cannot carry.
 */
final class ResponsesValidation {
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");
    private static final Set<String> FORMATS = Set.of("text", "json_schema", "json_object");
    /** OpenAI's floor for {@code max_output_tokens}. */
    static final int MIN_OUTPUT_TOKENS = 16;

    private ResponsesValidation() {
    }

    static void validate(ObjectNode body) {
        JsonNode input = body.get("input");
        if (absent(input)) {
            if (absent(body.get("previous_response_id"))) {
                throw ApiException.badRequest("Missing required parameter: 'input'.", "input");
            }
        } else if (input.isArray()) {
            for (int i = 0; i < input.size(); i++) {
                item(input.get(i), "input[" + i + "]");
            }
        } else if (!input.isTextual()) {
            throw invalidType("input", "a string or an array of input items", input);
        }
        optionalString(body, "instructions");
        optionalString(body, "previous_response_id");
        optionalBoolean(body, "store");
        optionalBoolean(body, "parallel_tool_calls");
        JsonNode background = body.get("background");
        if (background != null && !background.isNull()) {
            if (!background.isBoolean()) {
                throw invalidType("background", "a boolean", background);
            }
            if (background.asBoolean()) {
                throw ApiException.badRequest("Background responses are not supported by this gateway: "
                        + "set 'background' to false or leave it out.", "background");
            }
        }
        JsonNode conversation = body.get("conversation");
        if (!absent(conversation)) {
            throw ApiException.badRequest("Conversations are not supported by this gateway: chain responses with "
                    + "'previous_response_id' instead.", "conversation");
        }
                JsonNode max = body.get("max_output_tokens");
        if (!absent(max)) {
            if (!max.isIntegralNumber()) {
                throw invalidType("max_output_tokens", "an integer", max);
            }
            if (max.asLong() < MIN_OUTPUT_TOKENS) {
                throw ApiException.badRequest("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
                        + MIN_OUTPUT_TOKENS + ", but got " + max.asText() + " instead.", "max_output_tokens");
            }
        }
        JsonNode topLogprobs = body.get("top_logprobs");
        if (!absent(topLogprobs) && (!topLogprobs.isIntegralNumber() || topLogprobs.asInt() < 0 || topLogprobs.asInt() > 20)) {
            throw ApiException.badRequest("Invalid 'top_logprobs': expected an integer between 0 and 20.", "top_logprobs");
        }
        JsonNode reasoning = body.get("reasoning");
        if (!absent(reasoning)) {
            if (!reasoning.isObject()) {
                throw invalidType("reasoning", "an object", reasoning);
            }
            JsonNode effort = reasoning.get("effort");
            if (!absent(effort) && !effort.isTextual()) {
                throw invalidType("reasoning.effort", "a string", effort);
            }
        }
        metadata(body.get("metadata"));
        tools(body.get("tools"));
        toolChoice(body.get("tool_choice"));
        text(body.get("text"));
    }

    private static void item(JsonNode item, String at) {
        if (!item.isObject()) {
            throw invalidType(at, "an object", item);
        }
        JsonNode type = item.get("type");
        if (!absent(type) && !type.isTextual()) {
            throw invalidType(at + ".type", "a string", type);
        }
        String kind = absent(type) ? "message" : type.asText();
        switch (kind) {
            case "message" -> {
                JsonNode role = item.get("role");
                if (absent(role)) {
                    throw ApiException.badRequest("Missing required parameter: '" + at + ".role'.", at + ".role");
                }
                if (!role.isTextual() || !ROLES.contains(role.asText())) {
                    throw ApiException.badRequest("Invalid value: '" + role.asText() + "'. Supported values are: 'user', "
                            + "'assistant', 'system', and 'developer'.", at + ".role");
                }
                JsonNode content = item.get("content");
                if (absent(content)) {
                    throw ApiException.badRequest("Missing required parameter: '" + at + ".content'.", at + ".content");
                }
                if (content.isArray()) {
                    for (int i = 0; i < content.size(); i++) {
                        JsonNode part = content.get(i);
                        String partAt = at + ".content[" + i + "]";
                        if (!part.isObject()) {
                            throw invalidType(partAt, "an object", part);
                        }
                        if (!part.path("type").isTextual()) {
                            throw ApiException.badRequest("Missing required parameter: '" + partAt + ".type'.", partAt + ".type");
                        }
                    }
                } else if (!content.isTextual()) {
                    throw invalidType(at + ".content", "a string or an array of content parts", content);
                }
            }
            case "function_call" -> {
                requiredString(item, at, "call_id");
                requiredString(item, at, "name");
                requiredString(item, at, "arguments");
            }
            case "function_call_output" -> {
                requiredString(item, at, "call_id");
                JsonNode output = item.get("output");
                if (absent(output)) {
                    throw ApiException.badRequest("Missing required parameter: '" + at + ".output'.", at + ".output");
                }
                if (!output.isTextual() && !output.isArray()) {
                    throw invalidType(at + ".output", "a string or an array of content parts", output);
                }
            }
            default -> {
                // other item types (reasoning, item references, built-in tool calls): the translator decides
            }
        }
    }

    private static void tools(JsonNode tools) {
        if (absent(tools)) {
            return;
        }
        if (!tools.isArray()) {
            throw invalidType("tools", "an array", tools);
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String at = "tools[" + i + "]";
            if (!tool.isObject()) {
                throw invalidType(at, "an object", tool);
            }
            if (!tool.path("type").isTextual()) {
                throw ApiException.badRequest("Missing required parameter: '" + at + ".type'.", at + ".type");
            }
            if (tool.get("type").asText().equals("function")) {
                requiredString(tool, at, "name");
                JsonNode parameters = tool.get("parameters");
                if (!absent(parameters) && !parameters.isObject()) {
                    throw invalidType(at + ".parameters", "an object", parameters);
                }
            }
        }
    }

    private static void toolChoice(JsonNode choice) {
        if (absent(choice)) {
            return;
        }
        if (choice.isTextual()) {
            if (!TOOL_CHOICES.contains(choice.asText())) {
                throw ApiException.badRequest("Invalid value: '" + choice.asText() + "'. Supported values are: 'none', "
                        + "'auto', and 'required'.", "tool_choice");
            }
            return;
        }
        if (!choice.isObject()) {
            throw invalidType("tool_choice", "a string or an object", choice);
        }
        if (!choice.path("type").isTextual()) {
            throw ApiException.badRequest("Missing required parameter: 'tool_choice.type'.", "tool_choice.type");
        }
        if (choice.get("type").asText().equals("function")) {
            requiredString(choice, "tool_choice", "name");
        }
    }

    private static void text(JsonNode text) {
        if (absent(text)) {
            return;
        }
        if (!text.isObject()) {
            throw invalidType("text", "an object", text);
        }
        JsonNode format = text.get("format");
        if (absent(format)) {
            return;
        }
        if (!format.isObject()) {
            throw invalidType("text.format", "an object", format);
        }
        JsonNode type = format.get("type");
        if (absent(type)) {
            throw ApiException.badRequest("Missing required parameter: 'text.format.type'.", "text.format.type");
        }
        if (!type.isTextual() || !FORMATS.contains(type.asText())) {
            throw ApiException.badRequest("Invalid value: '" + type.asText() + "'. Supported values are: 'text', "
                    + "'json_schema', and 'json_object'.", "text.format.type");
        }
        if (type.asText().equals("json_schema")) {
            requiredString(format, "text.format", "name");
            JsonNode schema = format.get("schema");
            if (absent(schema)) {
                throw ApiException.badRequest("Missing required parameter: 'text.format.schema'.", "text.format.schema");
            }
            if (!schema.isObject()) {
                throw invalidType("text.format.schema", "an object", schema);
            }
            JsonNode strict = format.get("strict");
            if (!absent(strict) && !strict.isBoolean()) {
                throw invalidType("text.format.strict", "a boolean", strict);
            }
        }
    }

    private static void metadata(JsonNode metadata) {
        if (absent(metadata)) {
            return;
        }
        if (!metadata.isObject()) {
            throw invalidType("metadata", "an object", metadata);
        }
        if (metadata.size() > 16) {
            throw ApiException.badRequest("Invalid 'metadata': too many properties. Expected an object with at most 16 "
                    + "properties, but got an object with " + metadata.size() + " properties instead.", "metadata");
        }
        var fields = metadata.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (field.getKey().length() > 64) {
                throw ApiException.badRequest("Invalid 'metadata': keys are at most 64 characters long.", "metadata");
            }
            if (!field.getValue().isTextual() || field.getValue().asText().length() > 512) {
                throw ApiException.badRequest("Invalid 'metadata." + field.getKey() + "': expected a string of at most 512 "
                        + "characters.", "metadata." + field.getKey());
            }
        }
    }

    private static void requiredString(JsonNode object, String at, String field) {
        JsonNode v = object.get(field);
        if (absent(v)) {
            throw ApiException.badRequest("Missing required parameter: '" + at + "." + field + "'.", at + "." + field);
        }
        if (!v.isTextual()) {
            throw invalidType(at + "." + field, "a string", v);
        }
    }

    private static void optionalString(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (!absent(v) && !v.isTextual()) {
            throw invalidType(field, "a string", v);
        }
    }

    private static void optionalBoolean(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (!absent(v) && !v.isBoolean()) {
            throw invalidType(field, "a boolean", v);
        }
    }

    private static boolean absent(JsonNode v) {
        return v == null || v.isNull();
    }

    private static ApiException invalidType(String param, String expected, JsonNode got) {
        return ApiException.badRequest("Invalid type for '" + param + "': expected " + expected + ", but got "
                + typeName(got) + " instead.", param);
    }

    private static String typeName(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isIntegralNumber()) {
            return "an integer";
        }
        if (v.isNumber()) {
            return "a decimal";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        return v.isObject() ? "an object" : "null";
    }
}
