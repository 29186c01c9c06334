package io.nexusai.gateway.provider.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI chat completions to the Gemini API ({@code POST <endpoint>/v1beta/models/<model>:generateContent}, or
 * {@code :streamGenerateContent?alt=sse}) and back.
 *
 * <p>Request: system and developer messages become {@code systemInstruction}; user and assistant messages
 * {@code contents} of role {@code user} and {@code model}; image parts given as base64 data URLs
 * {@code inlineData} (Gemini does not fetch arbitrary URLs, so others are refused); assistant {@code tool_calls}
 * {@code functionCall} parts and {@code tool} messages {@code functionResponse} parts, named after the call they
 * answer, with the content as {@code {"content": <text>}} or, when it is a JSON object, that object; a call's
 * {@code thoughtSignature} comes back from its id ({@link ThoughtSignatures}). Consecutive
 * turns of one role are merged (the responses to parallel calls then share one turn, as Gemini expects).
 * {@code max_completion_tokens}/{@code max_tokens}, {@code stop}, {@code n}, {@code temperature}, {@code top_p},
 * {@code seed}, the penalties and {@code response_format} go to {@code generationConfig}; {@code tools} and
 * {@code tool_choice} to {@code functionDeclarations} and {@code functionCallingConfig}. Schemas lose the keywords
 * Gemini refuses ({@link GeminiWire#schema}). Fields without a counterpart ({@code logprobs}, {@code user},
 * {@code parallel_tool_calls}, ...) are dropped.
 *
 * <p>Responses and streams come back as {@code chat.completion} and {@code chat.completion.chunk} objects with
 * the alias as {@code model}, one choice per candidate; a stream ends with a usage-only chunk.
 */
public final class OpenAiToGeminiChatTranslator implements Translator {
    private static final Pattern DATA_URL = Pattern.compile("data:([^;,]+);base64,(.*)", Pattern.DOTALL);

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final GeminiEventStream events;

    public OpenAiToGeminiChatTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.events = new GeminiEventStream(mapper, deployment, alias);
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode out = mapper.createObjectNode();
        JsonNode messages = clientBody.path("messages");
        List<String> system = new ArrayList<>();
        List<ObjectNode> turns = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String at = "messages[" + i + "]";
            String role = message.path("role").asText();
            switch (role) {
                case "system", "developer" -> system.addAll(texts(message.get("content"), at + ".content", false));
                case "user" -> add(turns, "user", userParts(message, at));
                case "assistant" -> add(turns, "model", assistantParts(message, at, callNames));
                case "tool" -> add(turns, "user", functionResponse(message, at, callNames));
                default -> throw ApiException.badRequest("Invalid value for '" + at + ".role': '" + role
                        + "' is not supported by this model; use 'system', 'developer', 'user', 'assistant' or 'tool'.", at + ".role");
            }
        }
        if (turns.isEmpty()) {
            throw ApiException.badRequest("Invalid 'messages': at least one user message is required.", "messages");
        }
        ArrayNode contents = out.putArray("contents");
        turns.forEach(contents::add);
        system.removeIf(String::isEmpty);
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").putArray("parts").addObject().put("text", String.join("\n\n", system));
        }
        tools(clientBody, out);
        ObjectNode config = generationConfig(clientBody);
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return new UpstreamRequest(GeminiWire.url(deployment, stream), GeminiWire.bytes(mapper, out));
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode response = GeminiWire.parseObject(mapper, body.getBytes());
        if (response == null || !(response.path("candidates").isArray() || response.path("promptFeedback").isObject())) {
            throw GeminiWire.invalid(deployment);
        }
        String responseId = response.path("responseId").isTextual() ? response.get("responseId").asText() : null;
        ObjectNode out = mapper.createObjectNode();
        out.put("id", "chatcmpl-" + (responseId == null ? "gemini" : responseId));
        out.put("object", "chat.completion");
        out.put("created", GeminiWire.now());
        out.put("model", alias);
        ArrayNode choices = out.putArray("choices");
        JsonNode candidates = response.path("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            choices.add(choice(candidates.get(i), i, responseId));
        }
        if (choices.isEmpty()) {
            // the prompt was blocked (promptFeedback.blockReason): no candidate at all
            choices.add(choice(mapper.createObjectNode().put("finishReason", "PROHIBITED_CONTENT"), 0, responseId));
        }
        JsonNode metadata = response.get("usageMetadata");
        GeminiWire.putUsage(out, metadata);
        TokenUsage usage = GeminiWire.usage(metadata);
        return new Translated(out, usage == null ? TokenUsage.NONE : usage);
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return events.feed(piece, endOfStream);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return GeminiWire.error(mapper, deployment, status, body, headers);
    }

    private ObjectNode choice(JsonNode candidate, int position, String responseId) {
        int index = GeminiCandidates.index(candidate, position);
        ObjectNode choice = mapper.createObjectNode();
        choice.put("index", index);
        ObjectNode reply = choice.putObject("message");
        reply.put("role", "assistant");
        StringBuilder text = null;
        ArrayNode toolCalls = mapper.createArrayNode();
        for (JsonNode part : GeminiCandidates.parts(mapper, candidate)) {
            if (GeminiCandidates.isText(part)) {
                text = (text == null ? new StringBuilder() : text).append(part.get("text").asText());
            } else if (GeminiCandidates.isCall(part)) {
                toolCalls.add(GeminiCandidates.toolCall(mapper, part, responseId, index, toolCalls.size()));
            }
        }
        reply.put("content", text == null ? null : text.toString());
        reply.putNull("refusal");
        if (!toolCalls.isEmpty()) {
            reply.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        JsonNode reason = candidate.path("finishReason");
        choice.put("finish_reason", GeminiWire.finishReason(reason.isTextual() ? reason.asText() : null, !toolCalls.isEmpty()));
        return choice;
    }

    // ---- request ----

    /** Appends a turn, merging its parts into the previous turn when both have the same role. */
    private void add(List<ObjectNode> turns, String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.path("role").asText().equals(role)) {
            ((ArrayNode) last.get("parts")).addAll(parts);
            return;
        }
        ObjectNode turn = mapper.createObjectNode();
        turn.put("role", role);
        turn.set("parts", parts);
        turns.add(turn);
    }

    private ArrayNode userParts(JsonNode message, String at) {
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".content'.", at + ".content");
        }
        ArrayNode parts = mapper.createArrayNode();
        if (content.isTextual()) {
            parts.addObject().put("text", content.asText());
            return parts;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + ".content[" + j + "]";
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> parts.addObject().put("text", text(part, "text", partAt));
                case "image_url" -> parts.add(inlineData(part, partAt));
                default -> throw unsupportedPart(type, partAt, "text and image_url");
            }
        }
        return parts;
    }

    private ObjectNode inlineData(JsonNode part, String at) {
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
        ObjectNode out = mapper.createObjectNode();
        out.putObject("inlineData").put("mimeType", data.group(1)).put("data", data.group(2));
        return out;
    }

    /** The assistant's text and {@code functionCall}s as parts; remembers each call's name by its id. */
    private ArrayNode assistantParts(JsonNode message, String at, Map<String, String> callNames) {
        ArrayNode parts = mapper.createArrayNode();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual() && !content.asText().isEmpty()) {
            parts.addObject().put("text", content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String partAt = at + ".content[" + j + "]";
                String type = part.path("type").asText();
                switch (type) {
                    case "text" -> parts.addObject().put("text", text(part, "text", partAt));
                    case "refusal" -> parts.addObject().put("text", text(part, "refusal", partAt));
                    default -> throw unsupportedPart(type, partAt, "text and refusal");
                }
            }
        }
        JsonNode toolCalls = message.get("tool_calls");
        for (int k = 0; toolCalls != null && toolCalls.isArray() && k < toolCalls.size(); k++) {
            ObjectNode part = functionCall(toolCalls.get(k), at + ".tool_calls[" + k + "]", callNames);
            if (k == 0 && !part.has("thoughtSignature") && ThoughtSignatures.required(deployment.realModel())) {
                part.put("thoughtSignature", ThoughtSignatures.SKIP_VALIDATOR);
            }
            parts.add(part);
        }
        return parts;
    }

    private ObjectNode functionCall(JsonNode call, String at, Map<String, String> callNames) {
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
        JsonNode args;
        JsonNode arguments = function.get("arguments");
        String argumentsAt = at + ".function.arguments";
        if (arguments == null || arguments.isNull() || (arguments.isTextual() && arguments.asText().isBlank())) {
            args = mapper.createObjectNode();
        } else if (!arguments.isTextual()) {
            throw ApiException.badRequest("Invalid type for '" + argumentsAt + "': expected a string of JSON.", argumentsAt);
        } else {
            args = parseObject(arguments.asText());
            if (args == null) {
                throw ApiException.badRequest("Invalid '" + argumentsAt + "': expected a JSON object, as the model generated it.",
                        argumentsAt);
            }
        }
        String name = function.get("name").asText();
        callNames.put(call.get("id").asText(), name);
        ObjectNode part = mapper.createObjectNode();
        ObjectNode out = part.putObject("functionCall");
        out.put("name", name);
        out.set("args", args);
        String signature = ThoughtSignatures.signature(call.get("id").asText());
        if (signature != null) {
            part.put("thoughtSignature", signature);
        }
        return part;
    }

    private ArrayNode functionResponse(JsonNode message, String at, Map<String, String> callNames) {
        JsonNode id = message.get("tool_call_id");
        if (id == null || !id.isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".tool_call_id'.", at + ".tool_call_id");
        }
        String name = callNames.get(id.asText());
        if (name == null) {
            throw ApiException.badRequest("Invalid '" + at + ".tool_call_id': no earlier assistant message has a tool call with "
                    + "id '" + id.asText() + "'.", at + ".tool_call_id");
        }
        String text = String.join("\n\n", texts(message.get("content"), at + ".content", true));
        ObjectNode response = parseObject(text);
        if (response == null) {
            response = mapper.createObjectNode().put("content", text);
        }
        ArrayNode parts = mapper.createArrayNode();
        ObjectNode out = parts.addObject().putObject("functionResponse");
        out.put("name", name);
        out.set("response", response);
        return parts;
    }

    /** The texts of string or text-part content (system, developer and tool messages). */
    private static List<String> texts(JsonNode content, String at, boolean nullable) {
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

    private static String text(JsonNode part, String field, String at) {
        if (!part.path(field).isTextual()) {
            throw ApiException.badRequest("Invalid '" + at + "." + field + "': expected a string.", at);
        }
        return part.get(field).asText();
    }

    private static ApiException unsupportedPart(String type, String at, String supported) {
        return ApiException.badRequest("Unsupported content part type '" + type + "' in '" + at + "': this model accepts "
                + supported + " parts here.", at);
    }

    /** A JSON object parsed from text, or {@code null} when the text is not one. */
    private ObjectNode parseObject(String text) {
        try {
            return mapper.readTree(text) instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** {@code generationConfig}: token limit, stops, candidates, sampling and the response format. */
    private ObjectNode generationConfig(ObjectNode client) {
        ObjectNode config = mapper.createObjectNode();
        JsonNode stop = client.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            ArrayNode sequences = config.putArray("stopSequences");
            stop.forEach(s -> sequences.add(s.asText()));
        }
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode v = client.get(field);
            if (v != null && v.isIntegralNumber() && v.asLong() > 0) {
                config.put("maxOutputTokens", v.asLong());
                break;
            }
        }
        copyNumber(client, "n", config, "candidateCount");
        copyNumber(client, "temperature", config, "temperature");
        copyNumber(client, "top_p", config, "topP");
        copyNumber(client, "seed", config, "seed");
        copyNumber(client, "presence_penalty", config, "presencePenalty");
        copyNumber(client, "frequency_penalty", config, "frequencyPenalty");
        JsonNode format = client.path("response_format");
        switch (format.path("type").asText()) {
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                config.put("responseMimeType", "application/json");
                JsonNode schema = format.path("json_schema").get("schema");
                if (schema != null && schema.isObject()) {
                    config.set("responseSchema", GeminiWire.schema(schema));
                }
            }
            default -> {
                // "text" or none: Gemini's default
            }
        }
        return config;
    }

    private static void copyNumber(ObjectNode from, String field, ObjectNode to, String as) {
        JsonNode v = from.get(field);
        if (v != null && v.isNumber()) {
            to.set(as, v);
        }
    }

    /** {@code tools} → {@code functionDeclarations}, {@code tool_choice} → {@code functionCallingConfig}. */
    private void tools(ObjectNode client, ObjectNode out) {
        JsonNode tools = client.get("tools");
        boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
        if (hasTools) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
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
                ObjectNode declaration = declarations.addObject();
                declaration.put("name", function.get("name").asText());
                if (function.path("description").isTextual()) {
                    declaration.put("description", function.get("description").asText());
                }
                JsonNode parameters = function.get("parameters");
                if (parameters != null && parameters.isObject() && !parameters.isEmpty()) {
                    declaration.set("parameters", GeminiWire.schema(parameters));
                }
            }
        }
        ObjectNode calling = functionCallingConfig(client.get("tool_choice"));
        if (calling == null) {
            return;
        }
        if (!hasTools) {
            if (!calling.path("mode").asText().equals("NONE") && !calling.path("mode").asText().equals("AUTO")) {
                throw ApiException.badRequest("Invalid value for 'tool_choice': 'tool_choice' requires 'tools'.", "tool_choice");
            }
            return;
        }
        out.putObject("toolConfig").set("functionCallingConfig", calling);
    }

    private ObjectNode functionCallingConfig(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        ObjectNode out = mapper.createObjectNode();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> out.put("mode", "AUTO");
                case "none" -> out.put("mode", "NONE");
                case "required" -> out.put("mode", "ANY");
                default -> throw ApiException.badRequest("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' "
                        + "or a function.", "tool_choice");
            }
            return out;
        }
        if (choice.path("type").asText().equals("function") && choice.path("function").path("name").isTextual()) {
            out.put("mode", "ANY");
            out.putArray("allowedFunctionNames").add(choice.path("function").path("name").asText());
            return out;
        }
        throw ApiException.badRequest("Invalid value for 'tool_choice': this model supports 'none', 'auto', 'required' and "
                + "{\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
    }
}
