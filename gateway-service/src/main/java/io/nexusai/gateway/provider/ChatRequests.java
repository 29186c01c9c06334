package io.nexusai.gateway.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading an OpenAI chat request the way every translator to another vendor's API must: the texts of message
 * content, image data URLs, assistant tool calls with their JSON arguments, function tools and {@code tool_choice},
 * each refused with a 400 naming the offending field (OpenAI's wording) when it is malformed.
 */
public final class ChatRequests {
    private static final Pattern DATA_URL = Pattern.compile("data:([^;,]+);base64,(.*)", Pattern.DOTALL);

    private ChatRequests() {
    }

    /** An image given inline. */
    public record DataUrl(String mediaType, String base64) {
    }

    /** A tool call of an assistant message: its id, function name and arguments object. */
    public record ToolCall(String id, String name, ObjectNode arguments) {
    }

    /** A function tool: its name, description (or {@code null}) and parameters schema (or {@code null}). */
    public record FunctionTool(String name, String description, ObjectNode parameters) {
    }

    /** What {@code tool_choice} asks for: {@code none}, {@code auto}, {@code required} or one {@code function}. */
    public record ToolChoice(String mode, String function) {
    }

    /**
     * The tool that carries a structured answer for a vendor without a JSON output mode of its own: its name (the
     * {@code json_schema}'s, or {@value #JSON_OBJECT_TOOL} for {@code json_object}), a description saying it returns
     * the final answer, and the schema of its input.
     */
    public record AnswerTool(String name, String description, ObjectNode schema) {
    }

    /** The answer tool's name for {@code response_format} {@code json_object}. */
    public static final String JSON_OBJECT_TOOL = "json_object_answer";
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /**
     * The answer tool a {@code response_format} of {@code json_schema} or {@code json_object} asks for, or
     * {@code null} for {@code text} or none. The translator forces the model to call it and returns the call's input
     * as the message text. Refused with a 400 beside the client's own {@code tools}: a forced answer tool would keep
     * the model from calling them, and letting it choose would make the answer's shape depend on that choice.
     */
    public static AnswerTool answerTool(ObjectMapper mapper, JsonNode client) {
        JsonNode format = client.get("response_format");
        if (format == null || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText();
        AnswerTool tool = switch (type) {
            case "text" -> null;
            case "json_object" -> new AnswerTool(JSON_OBJECT_TOOL, "Returns the final answer to the user as a JSON object.",
                    mapper.createObjectNode().put("type", "object"));
            case "json_schema" -> schemaTool(mapper, format.path("json_schema"));
            default -> throw ApiException.badRequest("Invalid value for 'response_format.type': expected 'text', 'json_object' "
                    + "or 'json_schema'.", "response_format.type");
        };
        JsonNode tools = client.get("tools");
        if (tool != null && tools != null && tools.isArray() && !tools.isEmpty()) {
            throw ApiException.badRequest("Invalid 'response_format': this model gives structured output through a tool call "
                    + "of its own, so 'response_format' '" + type + "' cannot be combined with 'tools'; send one or the other.",
                    "response_format");
        }
        return tool;
    }

    private static AnswerTool schemaTool(ObjectMapper mapper, JsonNode jsonSchema) {
        JsonNode name = jsonSchema.get("name");
        if (name == null || !name.isTextual()) {
            throw ApiException.badRequest("Missing required parameter: 'response_format.json_schema.name'.",
                    "response_format.json_schema.name");
        }
        if (!TOOL_NAME.matcher(name.asText()).matches()) {
            throw ApiException.badRequest("Invalid 'response_format.json_schema.name': expected 1 to 64 letters, digits, "
                    + "underscores or dashes.", "response_format.json_schema.name");
        }
        JsonNode schema = jsonSchema.get("schema");
        ObjectNode input;
        if (schema == null || schema.isNull()) {
            input = mapper.createObjectNode().put("type", "object");
        } else if (schema instanceof ObjectNode o && o.path("type").asText().equals("object")) {
            input = o;
        } else {
            throw ApiException.badRequest("Invalid 'response_format.json_schema.schema': this model needs an object schema "
                    + "(\"type\": \"object\") at the top level.", "response_format.json_schema.schema");
        }
        String description = "Returns the final answer to the user, which must match this tool's input schema.";
        if (jsonSchema.path("description").isTextual() && !jsonSchema.get("description").asText().isBlank()) {
            description = description + " The answer: " + jsonSchema.get("description").asText();
        }
        return new AnswerTool(name.asText(), description, input);
    }

    /** The texts of string or text-part content (system, developer and tool messages). */
    public static List<String> texts(JsonNode content, String at, boolean nullable) {
        if (content == null || content.isNull()) {
            if (nullable) {
                return List.of();
            }
            throw ApiException.badRequest("Missing required parameter: '" + at + "'.", at);
        }
        if (content.isTextual()) {
            return List.of(content.asText());
        }
        List<String> texts = new ArrayList<>(content.size());
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + "[" + j + "]";
            String type = part.path("type").asText();
            if (!type.equals("text")) {
                throw unsupportedPart(type, partAt, "text");
            }
            texts.add(text(part, "text", partAt));
        }
        return texts;
    }

    /** The string {@code field} of a content part. */
    public static String text(JsonNode part, String field, String at) {
        if (!part.path(field).isTextual()) {
            throw ApiException.badRequest("Invalid '" + at + "." + field + "': expected a string.", at);
        }
        return part.get(field).asText();
    }

    public static ApiException unsupportedPart(String type, String at, String supported) {
        return ApiException.badRequest("Unsupported content part type '" + type + "' in '" + at + "': this model accepts "
                + supported + " parts here.", at);
    }

    /** The base64 data URL of an {@code image_url} part; other URLs are refused (the vendor takes bytes only). */
    public static DataUrl imageData(JsonNode part, String at) {
        JsonNode image = part.get("image_url");
        String url = image == null ? null : image.isTextual() ? image.asText() : image.path("url").isTextual() ? image.path("url").asText() : null;
        if (url == null) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".image_url.url'.", at);
        }
        Matcher data = DATA_URL.matcher(url);
        if (!data.matches()) {
            throw ApiException.badRequest("Invalid '" + at + ".image_url.url': this model takes images as base64 data URLs "
                    + "(data:<media type>;base64,<data>).", at);
        }
        return new DataUrl(data.group(1), data.group(2));
    }

    /** An assistant message's tool call; its {@code arguments} must be a JSON object in a string (or empty). */
    public static ToolCall toolCall(ObjectMapper mapper, JsonNode call, String at) {
        if (!call.path("type").asText("function").equals("function")) {
            throw ApiException.badRequest("Invalid value for '" + at + ".type': only 'function' tool calls are supported by this model.",
                    at + ".type");
        }
        if (!call.path("id").isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".id'.", at + ".id");
        }
        JsonNode function = call.path("function");
        if (!function.path("name").isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".function.name'.", at + ".function.name");
        }
        JsonNode arguments = function.get("arguments");
        String argumentsAt = at + ".function.arguments";
        ObjectNode args;
        if (arguments == null || arguments.isNull() || (arguments.isTextual() && arguments.asText().isBlank())) {
            args = mapper.createObjectNode();
        } else if (!arguments.isTextual()) {
            throw ApiException.badRequest("Invalid type for '" + argumentsAt + "': expected a string of JSON.", argumentsAt);
        } else {
            args = parseObject(mapper, arguments.asText());
            if (args == null) {
                throw ApiException.badRequest("Invalid '" + argumentsAt + "': expected a JSON object, as the model generated it.",
                        argumentsAt);
            }
        }
        return new ToolCall(call.get("id").asText(), function.get("name").asText(), args);
    }

    /** The function tools of {@code tools} (empty when there are none); other tool types are refused. */
    public static List<FunctionTool> tools(JsonNode tools) {
        if (tools == null || !tools.isArray()) {
            return List.of();
        }
        List<FunctionTool> out = new ArrayList<>(tools.size());
        for (int k = 0; k < tools.size(); k++) {
            JsonNode tool = tools.get(k);
            String at = "tools[" + k + "]";
            if (!tool.path("type").asText("function").equals("function")) {
                throw ApiException.badRequest("Invalid value for '" + at + ".type': only 'function' tools are supported by this model.",
                        at + ".type");
            }
            JsonNode function = tool.path("function");
            if (!function.path("name").isTextual() || function.get("name").asText().isEmpty()) {
                throw ApiException.badRequest("Missing required parameter: '" + at + ".function.name'.", at + ".function.name");
            }
            JsonNode parameters = function.get("parameters");
            out.add(new FunctionTool(function.get("name").asText(),
                    function.path("description").isTextual() ? function.get("description").asText() : null,
                    parameters instanceof ObjectNode o && !o.isEmpty() ? o : null));
        }
        return out;
    }

    /** {@code tool_choice}, or {@code null} when absent; a choice other than none/auto needs {@code tools}. */
    public static ToolChoice toolChoice(JsonNode choice, boolean hasTools) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        ToolChoice out;
        if (choice.isTextual()) {
            out = switch (choice.asText()) {
                case "auto", "none", "required" -> new ToolChoice(choice.asText(), null);
                default -> throw ApiException.badRequest("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' "
                        + "or a function.", "tool_choice");
            };
        } else if (choice.path("type").asText().equals("function") && choice.path("function").path("name").isTextual()) {
            out = new ToolChoice("function", choice.path("function").path("name").asText());
        } else {
            throw ApiException.badRequest("Invalid value for 'tool_choice': this model supports 'none', 'auto', 'required' and "
                    + "{\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
        }
        if (!hasTools && (out.mode().equals("required") || out.mode().equals("function"))) {
            throw ApiException.badRequest("Invalid value for 'tool_choice': 'tool_choice' requires 'tools'.", "tool_choice");
        }
        return out;
    }

    /**
     * Appends a turn ({@code role} and its blocks under {@code field}) to a vendor conversation, merged into the
     * previous turn when both have the same role, for vendors that need the roles to alternate; no blocks, no turn.
     */
    public static void addTurn(ObjectMapper mapper, List<ObjectNode> turns, String role, String field, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        ObjectNode last = turns.isEmpty() ? null : turns.getLast();
        if (last != null && last.path("role").asText().equals(role)) {
            ((ArrayNode) last.get(field)).addAll(blocks);
            return;
        }
        ObjectNode turn = mapper.createObjectNode();
        turn.put("role", role);
        turn.set(field, blocks);
        turns.add(turn);
    }

    /** The completion token limit the client asked for ({@code max_completion_tokens}, else {@code max_tokens}), or 0. */
    public static long maxTokens(JsonNode client) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode v = client.get(field);
            if (v != null && v.isIntegralNumber() && v.asLong() > 0) {
                return v.asLong();
            }
        }
        return 0;
    }

    /** {@code stop} as a list (a single string or an array; empty when absent). */
    public static List<String> stops(JsonNode client) {
        JsonNode stop = client.get("stop");
        if (stop != null && stop.isTextual()) {
            return List.of(stop.asText());
        }
        List<String> out = new ArrayList<>();
        if (stop != null && stop.isArray()) {
            stop.forEach(s -> out.add(s.asText()));
        }
        return out;
    }

    /** A JSON object parsed from text, or {@code null} when the text is not one. */
    public static ObjectNode parseObject(ObjectMapper mapper, String text) {
        try {
            return mapper.readTree(text) instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A JSON tree as compact text. */
    public static String json(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }
}
