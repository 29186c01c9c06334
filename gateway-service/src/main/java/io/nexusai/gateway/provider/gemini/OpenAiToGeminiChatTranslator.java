package io.nexusai.gateway.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ChatRequests;
import io.nexusai.gateway.provider.ProviderBodies;
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
                case "system", "developer" -> system.addAll(ChatRequests.texts(message.get("content"), at + ".content", false));
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
        return new UpstreamRequest(GeminiWire.url(deployment, stream), ProviderBodies.bytes(mapper, out));
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode response = ProviderBodies.parseObject(mapper, body.getBytes());
        if (response == null || !(response.path("candidates").isArray() || response.path("promptFeedback").isObject())) {
            throw GeminiWire.invalid(deployment);
        }
        String responseId = response.path("responseId").isTextual() ? response.get("responseId").asText() : null;
        ObjectNode out = ProviderBodies.completion(mapper, "chatcmpl-" + (responseId == null ? "gemini" : responseId), alias);
        JsonNode candidates = response.path("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            choice(out, candidates.get(i), i, responseId);
        }
        if (candidates.isEmpty()) {
            // the prompt was blocked (promptFeedback.blockReason): no candidate at all
            choice(out, mapper.createObjectNode().put("finishReason", "PROHIBITED_CONTENT"), 0, responseId);
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

    private void choice(ObjectNode completion, JsonNode candidate, int position, String responseId) {
        int index = GeminiCandidates.index(candidate, position);
        StringBuilder text = null;
        ArrayNode toolCalls = mapper.createArrayNode();
        for (JsonNode part : GeminiCandidates.parts(mapper, candidate)) {
            if (GeminiCandidates.isText(part)) {
                text = (text == null ? new StringBuilder() : text).append(part.get("text").asText());
            } else if (GeminiCandidates.isCall(part)) {
                toolCalls.add(GeminiCandidates.toolCall(mapper, part, responseId, index, toolCalls.size()));
            }
        }
        JsonNode reason = candidate.path("finishReason");
        ProviderBodies.addChoice(completion, index, text, toolCalls,
                GeminiWire.finishReason(reason.isTextual() ? reason.asText() : null, !toolCalls.isEmpty()));
    }

    // ---- request ----

    /** Appends a turn, merging it into the previous one when both have the same role. */
    private void add(List<ObjectNode> turns, String role, ArrayNode parts) {
        ChatRequests.addTurn(mapper, turns, role, "parts", parts);
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
                case "text" -> parts.addObject().put("text", ChatRequests.text(part, "text", partAt));
                case "image_url" -> parts.add(inlineData(part, partAt));
                default -> throw ChatRequests.unsupportedPart(type, partAt, "text and image_url");
            }
        }
        return parts;
    }

    private ObjectNode inlineData(JsonNode part, String at) {
        ChatRequests.DataUrl data = ChatRequests.imageData(part, at);
        ObjectNode out = mapper.createObjectNode();
        out.putObject("inlineData").put("mimeType", data.mediaType()).put("data", data.base64());
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
                    case "text" -> parts.addObject().put("text", ChatRequests.text(part, "text", partAt));
                    case "refusal" -> parts.addObject().put("text", ChatRequests.text(part, "refusal", partAt));
                    default -> throw ChatRequests.unsupportedPart(type, partAt, "text and refusal");
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
        ChatRequests.ToolCall toolCall = ChatRequests.toolCall(mapper, call, at);
        callNames.put(toolCall.id(), toolCall.name());
        ObjectNode part = mapper.createObjectNode();
        ObjectNode out = part.putObject("functionCall");
        out.put("name", toolCall.name());
        out.set("args", toolCall.arguments());
        String signature = ThoughtSignatures.signature(toolCall.id());
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
        String text = String.join("\n\n", ChatRequests.texts(message.get("content"), at + ".content", true));
        ObjectNode response = ChatRequests.parseObject(mapper, text);
        if (response == null) {
            response = mapper.createObjectNode().put("content", text);
        }
        ArrayNode parts = mapper.createArrayNode();
        ObjectNode out = parts.addObject().putObject("functionResponse");
        out.put("name", name);
        out.set("response", response);
        return parts;
    }

    /** {@code generationConfig}: token limit, stops, candidates, sampling and the response format. */
    private ObjectNode generationConfig(ObjectNode client) {
        ObjectNode config = mapper.createObjectNode();
        List<String> stops = ChatRequests.stops(client);
        if (!stops.isEmpty()) {
            ArrayNode sequences = config.putArray("stopSequences");
            stops.forEach(sequences::add);
        }
        long max = ChatRequests.maxTokens(client);
        if (max > 0) {
            config.put("maxOutputTokens", max);
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
        List<ChatRequests.FunctionTool> tools = ChatRequests.tools(client.get("tools"));
        ChatRequests.ToolChoice choice = ChatRequests.toolChoice(client.get("tool_choice"), !tools.isEmpty());
        if (tools.isEmpty()) {
            return;
        }
        ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
        for (ChatRequests.FunctionTool tool : tools) {
            ObjectNode declaration = declarations.addObject();
            declaration.put("name", tool.name());
            if (tool.description() != null) {
                declaration.put("description", tool.description());
            }
            if (tool.parameters() != null) {
                declaration.set("parameters", GeminiWire.schema(tool.parameters()));
            }
        }
        if (choice == null) {
            return;
        }
        ObjectNode calling = out.putObject("toolConfig").putObject("functionCallingConfig");
        switch (choice.mode()) {
            case "auto" -> calling.put("mode", "AUTO");
            case "none" -> calling.put("mode", "NONE");
            case "required" -> calling.put("mode", "ANY");
            default -> {
                calling.put("mode", "ANY");
                calling.putArray("allowedFunctionNames").add(choice.function());
            }
        }
    }
}
