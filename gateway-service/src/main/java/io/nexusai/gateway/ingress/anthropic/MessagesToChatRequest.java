package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

import java.util.ArrayList;
import java.util.List;

/**
 * An Anthropic Messages request ({@code POST /v1/messages}) as an OpenAI chat completions request, for every
 * deployment that does not speak Messages natively; the provider's chat translator takes it from there.
 *
 * <p>{@code system} (a string or text blocks) becomes one system message. Content blocks map to their chat
 * counterparts: {@code text} → text parts, {@code image} (base64 or URL source) → {@code image_url} parts (base64 as a
 * data URL), {@code document} with a base64 PDF → a {@code file} part and with a text source → a text part,
 * {@code tool_use} → the assistant's {@code tool_calls} (input serialised as arguments), {@code tool_result} →
 * {@code tool} messages placed right after that assistant turn (text blocks joined; {@code is_error} prefixes
 * {@code "Error: "}, since chat has no flag for it; images of a tool result follow in a user message).
 * {@code thinking} and {@code redacted_thinking} blocks, {@code cache_control} and {@code citations} have no chat
 * counterpart and are dropped. {@code tools} become function tools ({@code input_schema} → {@code parameters});
 * Anthropic's server tools cannot be served by another vendor and are refused with a 400. {@code tool_choice}
 * {@code auto}/{@code any}/{@code tool}/{@code none} → {@code auto}/{@code required}/the function/{@code none},
 * {@code disable_parallel_tool_use} → {@code parallel_tool_calls: false}. {@code max_tokens} (required, as in
 * Anthropic's API) → {@code max_completion_tokens}; {@code stop_sequences} → {@code stop}; {@code temperature},
 * {@code top_p} as they are; {@code top_k} has no counterpart and is dropped; {@code metadata.user_id} →
 * {@code user}; {@code stream} → {@code stream} with {@code stream_options.include_usage}, so the stream's usage is
 * exact; {@code thinking} (enabled, with a budget) → {@code reasoning_effort} low (budget below 4,096 tokens),
 * medium (below 16,384) or high.
 *
 * <p>Invalid requests are refused with a 400 whose message reads like Anthropic's ({@code max_tokens: Field
 * required}); the ingress writes it in Anthropic's envelope. Stateless; thread-safe.
 */
public final class MessagesToChatRequest {
    static final int LOW_EFFORT_BELOW = 4096;
    static final int MEDIUM_EFFORT_BELOW = 16384;

    private final ObjectMapper mapper;

    public MessagesToChatRequest(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Checks what the gateway relies on before routing (model, max_tokens, messages, stream), as Anthropic's API
     * does. Returns the alias the client asked for.
     */
    public static String validate(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw invalid("model: Field required", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw invalid("model: Input should be a non-empty string", "model");
        }
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw invalid("max_tokens: Field required", "max_tokens");
        }
        if (!maxTokens.isIntegralNumber()) {
            throw invalid("max_tokens: Input should be a valid integer", "max_tokens");
        }
        if (maxTokens.asLong() < 1) {
            throw invalid("max_tokens: Input should be greater than or equal to 1", "max_tokens");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw invalid("messages: Field required", "messages");
        }
        if (!messages.isArray()) {
            throw invalid("messages: Input should be a valid list", "messages");
        }
        if (messages.isEmpty()) {
            throw invalid("messages: at least one message is required", "messages");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages." + i;
            if (!m.isObject()) {
                throw invalid(at + ": Input should be a valid dictionary", at);
            }
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw invalid(at + ".role: Input should be 'user' or 'assistant'", at + ".role");
            }
            JsonNode content = m.get("content");
            if (content == null || content.isNull()) {
                throw invalid(at + ".content: Field required", at + ".content");
            }
            if (!content.isTextual() && !content.isArray()) {
                throw invalid(at + ".content: Input should be a valid string or a list of content blocks", at + ".content");
            }
        }
        for (String field : List.of("temperature", "top_p", "top_k")) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !v.isNumber()) {
                throw invalid(field + ": Input should be a valid number", field);
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw invalid("stream: Input should be a valid boolean", "stream");
        }
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw invalid("stop_sequences: Input should be a valid list", "stop_sequences");
            }
            for (JsonNode s : stops) {
                if (!s.isTextual()) {
                    throw invalid("stop_sequences: Input should be a list of strings", "stop_sequences");
                }
            }
        }
        return model.asText();
    }

    /** Whether the client asked for a stream. */
    public static boolean stream(ObjectNode body) {
        return body.path("stream").asBoolean(false);
    }

    /** The chat completions request for this (validated) Messages request. */
    public ObjectNode toChat(ObjectNode body) {
        validate(body);
        ObjectNode out = mapper.createObjectNode();
        out.put("model", body.get("model").asText());
        ArrayNode messages = out.putArray("messages");
        String system = system(body.get("system"));
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
        }
        JsonNode turns = body.get("messages");
        for (int i = 0; i < turns.size(); i++) {
            JsonNode turn = turns.get(i);
            String at = "messages." + i;
            if (turn.path("role").asText().equals("user")) {
                user(turn.get("content"), at, messages);
            } else {
                assistant(turn.get("content"), at, messages);
            }
        }
        out.put("max_completion_tokens", body.get("max_tokens").asLong());
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && stops.isArray() && !stops.isEmpty()) {
            out.set("stop", stops.deepCopy());
        }
        for (String field : List.of("temperature", "top_p")) {
            JsonNode v = body.get(field);
            if (v != null && v.isNumber()) {
                out.set(field, v);
            }
        }
        JsonNode userId = body.path("metadata").get("user_id");
        if (userId != null && userId.isTextual() && !userId.asText().isEmpty()) {
            out.put("user", userId.asText());
        }
        tools(body, out);
        thinking(body.get("thinking"), out);
        if (stream(body)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    // ---- system and messages ----

    private static String system(JsonNode system) {
        if (system == null || system.isNull()) {
            return null;
        }
        if (system.isTextual()) {
            return system.asText().isEmpty() ? null : system.asText();
        }
        if (!system.isArray()) {
            throw invalid("system: Input should be a valid string or a list of text blocks", "system");
        }
        List<String> texts = new ArrayList<>(system.size());
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
                throw invalid("system." + i + ": Input should be a text block", "system." + i);
            }
            if (!block.get("text").asText().isEmpty()) {
                texts.add(block.get("text").asText());
            }
        }
        return texts.isEmpty() ? null : String.join("\n\n", texts);
    }

    /**
     * A user turn: its tool results become {@code tool} messages first (chat needs them right after the assistant's
     * tool calls), then the rest of its content one user message.
     */
    private void user(JsonNode content, String at, ArrayNode messages) {
        if (content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        ArrayNode parts = mapper.createArrayNode();
        ArrayNode toolImages = mapper.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String blockAt = at + ".content." + j;
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> parts.add(textPart(block, blockAt));
                case "image" -> parts.add(imagePart(block, blockAt));
                case "document" -> parts.add(documentPart(block, blockAt));
                case "tool_result" -> messages.add(toolResult(block, blockAt, toolImages));
                case "thinking", "redacted_thinking" -> {
                    // reasoning of an earlier turn: no chat counterpart
                }
                default -> throw unsupported(type, blockAt);
            }
        }
        toolImages.addAll(parts);
        if (!toolImages.isEmpty()) {
            ObjectNode user = messages.addObject().put("role", "user");
            user.set("content", toolImages);
        }
    }

    private void assistant(JsonNode content, String at, ArrayNode messages) {
        ObjectNode message = mapper.createObjectNode().put("role", "assistant");
        if (content.isTextual()) {
            message.put("content", content.asText());
            messages.add(message);
            return;
        }
        StringBuilder text = null;
        ArrayNode calls = null;
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String blockAt = at + ".content." + j;
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> {
                    String t = textPart(block, blockAt).get("text").asText();
                    text = text == null ? new StringBuilder(t) : text.append(t);
                }
                case "tool_use" -> {
                    if (calls == null) {
                        calls = mapper.createArrayNode();
                    }
                    calls.add(toolCall(block, blockAt));
                }
                case "thinking", "redacted_thinking" -> {
                    // no chat counterpart
                }
                default -> throw unsupported(type, blockAt);
            }
        }
        if (text == null && calls == null) {
            return; // only reasoning: nothing a chat model can take
        }
        if (text != null) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        if (calls != null) {
            message.set("tool_calls", calls);
        }
        messages.add(message);
    }

    private ObjectNode textPart(JsonNode block, String at) {
        JsonNode text = block.get("text");
        if (text == null || !text.isTextual()) {
            throw invalid(at + ".text: Field required", at + ".text");
        }
        return mapper.createObjectNode().put("type", "text").put("text", text.asText());
    }

    private ObjectNode imagePart(JsonNode block, String at) {
        JsonNode source = block.path("source");
        String url = switch (source.path("type").asText("")) {
            case "base64" -> {
                if (!source.path("media_type").isTextual() || !source.path("data").isTextual()) {
                    throw invalid(at + ".source: a base64 image needs 'media_type' and 'data'", at + ".source");
                }
                yield "data:" + source.get("media_type").asText() + ";base64," + source.get("data").asText();
            }
            case "url" -> {
                if (!source.path("url").isTextual()) {
                    throw invalid(at + ".source.url: Field required", at + ".source.url");
                }
                yield source.get("url").asText();
            }
            default -> throw invalid(at + ".source.type: this model takes images with a 'base64' or 'url' source",
                    at + ".source.type");
        };
        ObjectNode part = mapper.createObjectNode().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private ObjectNode documentPart(JsonNode block, String at) {
        JsonNode source = block.path("source");
        String type = source.path("type").asText("");
        if (type.equals("text") && source.path("data").isTextual()) {
            return mapper.createObjectNode().put("type", "text").put("text", source.get("data").asText());
        }
        if (type.equals("base64") && "application/pdf".equals(source.path("media_type").asText())
                && source.path("data").isTextual()) {
            ObjectNode part = mapper.createObjectNode().put("type", "file");
            ObjectNode file = part.putObject("file");
            file.put("filename", block.path("title").isTextual() ? block.get("title").asText() : "document.pdf");
            file.put("file_data", "data:application/pdf;base64," + source.get("data").asText());
            return part;
        }
        throw invalid(at + ".source: this model takes documents as base64 PDF or plain text sources", at + ".source");
    }

    private ObjectNode toolCall(JsonNode block, String at) {
        if (!block.path("id").isTextual() || block.get("id").asText().isEmpty()) {
            throw invalid(at + ".id: Field required", at + ".id");
        }
        if (!block.path("name").isTextual() || block.get("name").asText().isEmpty()) {
            throw invalid(at + ".name: Field required", at + ".name");
        }
        JsonNode input = block.get("input");
        if (input != null && !input.isNull() && !input.isObject()) {
            throw invalid(at + ".input: Input should be a valid dictionary", at + ".input");
        }
        ObjectNode call = mapper.createObjectNode();
        call.put("id", block.get("id").asText());
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", block.get("name").asText());
        function.put("arguments", json(input == null || input.isNull() ? mapper.createObjectNode() : input));
        return call;
    }

    /** A {@code tool} message; the images of the result go to {@code images} (chat tool messages carry text only). */
    private ObjectNode toolResult(JsonNode block, String at, ArrayNode images) {
        if (!block.path("tool_use_id").isTextual() || block.get("tool_use_id").asText().isEmpty()) {
            throw invalid(at + ".tool_use_id: Field required", at + ".tool_use_id");
        }
        StringBuilder text = new StringBuilder();
        JsonNode content = block.get("content");
        if (content != null && content.isTextual()) {
            text.append(content.asText());
        } else if (content != null && content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                JsonNode part = content.get(k);
                String partAt = at + ".content." + k;
                switch (part.path("type").asText("")) {
                    case "text" -> {
                        if (!text.isEmpty()) {
                            text.append('\n');
                        }
                        text.append(textPart(part, partAt).get("text").asText());
                    }
                    case "image" -> images.add(imagePart(part, partAt));
                    case "document" -> images.add(documentPart(part, partAt));
                    default -> throw unsupported(part.path("type").asText(""), partAt);
                }
            }
        } else if (content != null && !content.isNull()) {
            throw invalid(at + ".content: Input should be a valid string or a list of content blocks", at + ".content");
        }
        ObjectNode message = mapper.createObjectNode();
        message.put("role", "tool");
        message.put("tool_call_id", block.get("tool_use_id").asText());
        message.put("content", block.path("is_error").asBoolean(false) ? "Error: " + text : text.toString());
        return message;
    }

    // ---- tools, thinking ----

    private void tools(ObjectNode body, ObjectNode out) {
        JsonNode tools = body.get("tools");
        boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
        if (tools != null && !tools.isNull() && !tools.isArray()) {
            throw invalid("tools: Input should be a valid list", "tools");
        }
        if (hasTools) {
            ArrayNode toolsOut = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String at = "tools." + i;
                String type = tool.path("type").asText("custom");
                if (!type.equals("custom")) {
                    throw invalid(at + ".type: the server tool '" + type + "' is served by Anthropic only; this model takes "
                            + "client tools (name, description, input_schema)", at + ".type");
                }
                if (!tool.path("name").isTextual() || tool.get("name").asText().isEmpty()) {
                    throw invalid(at + ".name: Field required", at + ".name");
                }
                JsonNode schema = tool.get("input_schema");
                if (schema == null || !schema.isObject()) {
                    throw invalid(at + ".input_schema: Field required", at + ".input_schema");
                }
                ObjectNode function = toolsOut.addObject().put("type", "function").putObject("function");
                function.put("name", tool.get("name").asText());
                if (tool.path("description").isTextual()) {
                    function.put("description", tool.get("description").asText());
                }
                function.set("parameters", schema);
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        if (!choice.isObject()) {
            throw invalid("tool_choice: Input should be a valid dictionary", "tool_choice");
        }
        String type = choice.path("type").asText("");
        switch (type) {
            case "auto" -> {
                if (hasTools) {
                    out.put("tool_choice", "auto");
                }
            }
            case "none" -> {
                if (hasTools) {
                    out.put("tool_choice", "none");
                }
            }
            case "any" -> out.put("tool_choice", "required");
            case "tool" -> {
                if (!choice.path("name").isTextual()) {
                    throw invalid("tool_choice.name: Field required", "tool_choice.name");
                }
                ObjectNode named = out.putObject("tool_choice").put("type", "function");
                named.putObject("function").put("name", choice.get("name").asText());
            }
            default -> throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", "tool_choice.type");
        }
        if ((type.equals("any") || type.equals("tool")) && !hasTools) {
            throw invalid("tool_choice: '" + type + "' requires tools", "tool_choice");
        }
        if (hasTools && !type.equals("none") && choice.path("disable_parallel_tool_use").asBoolean(false)) {
            out.put("parallel_tool_calls", false);
        }
    }

    private static void thinking(JsonNode thinking, ObjectNode out) {
        if (thinking == null || !thinking.isObject() || !"enabled".equals(thinking.path("type").asText())) {
            return;
        }
        long budget = thinking.path("budget_tokens").asLong(0);
        out.put("reasoning_effort", budget < LOW_EFFORT_BELOW ? "low" : budget < MEDIUM_EFFORT_BELOW ? "medium" : "high");
    }

    private String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    static ApiException invalid(String message, String param) {
        return ApiException.badRequest(message, param);
    }

    private static ApiException unsupported(String type, String at) {
        return invalid(at + ".type: content blocks of type '" + type + "' are not supported for this model", at + ".type");
    }
}
