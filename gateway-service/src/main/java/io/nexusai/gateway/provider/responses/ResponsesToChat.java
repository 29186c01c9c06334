package io.nexusai.gateway.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

/**
 * A Responses request body as a chat completions body, for providers served through their chat translator:
 * {@code instructions} and the input items become messages (consecutive {@code function_call} items one assistant
 * message with its tool calls, a {@code function_call_output} a {@code tool} message), function tools and
 * {@code tool_choice} chat's, {@code text.format} {@code response_format}, {@code max_output_tokens}
 * {@code max_completion_tokens}, {@code reasoning.effort} {@code reasoning_effort}; {@code temperature},
 * {@code top_p}, {@code parallel_tool_calls} (with tools) and {@code user} as they are. What chat cannot carry
 * (built-in tools, file inputs, item references) is refused with a 400 naming the param. {@code metadata},
 * {@code store} and {@code instructions} stay with the gateway (echoed on the response). The client's body is not
 * changed. Stateless.
 */
final class ResponsesToChat {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ResponsesToChat() {
    }

    /**
     * @param body the client's Responses body (already checked by the endpoint; a previous response's items already
     *             put before its input, {@code previous_response_id} left for the echo)
     */
    static ObjectNode chatBody(ObjectNode body, boolean stream) {
        ObjectNode chat = NODES.objectNode();
        chat.set("model", body.get("model"));
        ArrayNode messages = chat.putArray("messages");
        JsonNode instructions = body.get("instructions");
        if (instructions != null && instructions.isTextual() && !instructions.asText().isEmpty()) {
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        JsonNode input = body.get("input");
        if (input != null && input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else if (input != null && input.isArray()) {
            items(input, "input", messages);
        }
        if (messages.isEmpty()) {
            throw ApiException.badRequest("The request has no input for the model.", "input");
        }
        tools(body, chat);
        format(body.get("text"), chat);
        JsonNode max = body.get("max_output_tokens");
        if (max != null && max.isIntegralNumber()) {
            chat.put("max_completion_tokens", max.asLong());
        }
        JsonNode effort = body.path("reasoning").get("effort");
        if (effort != null && effort.isTextual()) {
            chat.put("reasoning_effort", effort.asText());
        }
        copy(body, chat, "temperature");
        copy(body, chat, "top_p");
        copy(body, chat, "user");
        copy(body, chat, "service_tier");
        copy(body, chat, "prompt_cache_key");
        copy(body, chat, "safety_identifier");
        if (stream) {
            chat.put("stream", true);
        }
        return chat;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) {
            to.set(field, v);
        }
    }

    private static void items(JsonNode items, String param, ArrayNode messages) {
        ObjectNode calling = null;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String at = param + "[" + i + "]";
            String type = item.path("type").asText("message");
            switch (type) {
                case "message" -> {
                    calling = null;
                    String role = item.path("role").asText();
                    ObjectNode message = messages.addObject();
                    message.put("role", role.equals("developer") ? "system" : role);
                    message.set("content", content(item.get("content"), role, at + ".content"));
                    if (role.equals("assistant")) {
                        // the model's own text: function calls that follow belong to the same turn
                        calling = message;
                    }
                }
                case "function_call" -> {
                    if (calling == null) {
                        calling = messages.addObject().put("role", "assistant");
                        calling.putNull("content");
                    }
                    ObjectNode call = calling.withArray("tool_calls").addObject();
                    call.put("id", item.path("call_id").asText());
                    call.put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText())
                            .put("arguments", item.path("arguments").asText());
                }
                case "function_call_output" -> {
                    calling = null;
                    JsonNode output = item.get("output");
                    messages.addObject().put("role", "tool").put("tool_call_id", item.path("call_id").asText())
                            .put("content", output.isTextual() ? output.asText() : texts(output, at + ".output"));
                }
                // a reasoning item has no chat counterpart: the model reasons afresh
                case "reasoning" -> {
                }
                default -> throw ApiException.badRequest("Input items of type '" + type + "' are not supported for this "
                        + "model (it is served over chat completions); supported: 'message', 'function_call', "
                        + "'function_call_output' and 'reasoning'.", at + ".type");
            }
        }
    }

    /** A message's content as chat content: a string as is, parts mapped (text, images). */
    private static JsonNode content(JsonNode content, String role, String at) {
        if (content.isTextual()) {
            return content;
        }
        if (!role.equals("user")) {
            // system, developer and assistant turns carry text only on chat
            return NODES.textNode(texts(content, at));
        }
        ArrayNode parts = NODES.arrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            String partAt = at + "[" + i + "]";
            switch (type) {
                case "input_text", "output_text", "text" -> parts.addObject().put("type", "text")
                        .put("text", requiredText(part, "text", partAt));
                case "input_image" -> {
                    JsonNode url = part.get("image_url");
                    if (url == null || !url.isTextual()) {
                        throw ApiException.badRequest("Images given by 'file_id' are not supported for this model; "
                                + "give 'image_url' (a URL or a data URL).", partAt + ".image_url");
                    }
                    ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", url.asText());
                    JsonNode detail = part.get("detail");
                    if (detail != null && detail.isTextual() && !detail.asText().equals("original")) {
                        image.put("detail", detail.asText());
                    }
                }
                default -> throw ApiException.badRequest("Content parts of type '" + type + "' are not supported for this "
                        + "model; supported: 'input_text' and 'input_image'.", partAt + ".type");
            }
        }
        return parts;
    }

    /** The text of content parts that may only carry text. */
    private static String texts(JsonNode parts, String at) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            JsonNode part = parts.get(i);
            String type = part.path("type").asText();
            switch (type) {
                case "input_text", "output_text", "text" -> sb.append(requiredText(part, "text", at + "[" + i + "]"));
                case "refusal" -> sb.append(requiredText(part, "refusal", at + "[" + i + "]"));
                default -> throw ApiException.badRequest("Content parts of type '" + type + "' are not supported here; "
                        + "only text.", at + "[" + i + "].type");
            }
        }
        return sb.toString();
    }

    private static String requiredText(JsonNode part, String field, String at) {
        JsonNode v = part.get(field);
        if (v == null || !v.isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + "." + field + "'.", at + "." + field);
        }
        return v.asText();
    }

    private static void tools(JsonNode body, ObjectNode chat) {
        JsonNode tools = body.get("tools");
        boolean any = false;
        if (tools != null && tools.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String type = tool.path("type").asText();
                if (!type.equals("function")) {
                    throw ApiException.badRequest("Tools of type '" + type + "' are not supported for this model (it is "
                            + "served over chat completions); only 'function' tools are.", "tools[" + i + "].type");
                }
                ObjectNode function = out.addObject().put("type", "function").putObject("function");
                function.put("name", tool.path("name").asText());
                copy(tool, function, "description");
                copy(tool, function, "parameters");
                copy(tool, function, "strict");
            }
            if (!out.isEmpty()) {
                chat.set("tools", out);
                any = true;
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && choice.isTextual()) {
            if (any || choice.asText().equals("none")) {
                chat.put("tool_choice", choice.asText());
            }
        } else if (choice != null && choice.isObject()) {
            String type = choice.path("type").asText();
            if (!type.equals("function")) {
                throw ApiException.badRequest("A 'tool_choice' of type '" + type + "' is not supported for this model; "
                        + "use 'none', 'auto', 'required' or a function.", "tool_choice.type");
            }
            chat.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("name").asText());
        }
        JsonNode parallel = body.get("parallel_tool_calls");
        if (any && parallel != null && parallel.isBoolean()) {
            chat.put("parallel_tool_calls", parallel.asBoolean());
        }
    }

    private static void format(JsonNode text, ObjectNode chat) {
        JsonNode format = text == null ? null : text.get("format");
        if (format == null || !format.isObject()) {
            return;
        }
        switch (format.path("type").asText()) {
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                schema.put("name", format.path("name").asText());
                copy(format, schema, "description");
                schema.set("schema", format.get("schema"));
                copy(format, schema, "strict");
            }
            default -> {
                // text: chat's default
            }
        }
    }
}
