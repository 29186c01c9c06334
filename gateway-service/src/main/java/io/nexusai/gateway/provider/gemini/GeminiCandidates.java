package io.nexusai.gateway.provider.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads the parts of one Gemini candidate the way OpenAI's chat API shows them: text parts joined (thought
 * summaries, {@code "thought": true}, left out: chat completions have no place for them), {@code functionCall}
 * parts as {@code tool_calls} with the arguments as a JSON string. Gemini gives calls no id unless the model
 * does, so the id is made from the response id, the candidate and the call's position: the same in a whole
 * response and in every cut of its stream, and unique within the conversation. A signed call's
 * {@code thoughtSignature} is appended to its id ({@link ThoughtSignatures}).
 */
final class GeminiCandidates {
    private GeminiCandidates() {
    }

    /** The candidate's {@code index} ({@code 0} when omitted, as Gemini does for a single candidate). */
    static int index(JsonNode candidate, int position) {
        return candidate.path("index").isInt() ? candidate.get("index").asInt() : position;
    }

    /** Whether a part is text the user should see. */
    static boolean isText(JsonNode part) {
        return part.path("text").isTextual() && !part.path("thought").asBoolean(false);
    }

    static boolean isCall(JsonNode part) {
        return part.path("functionCall").isObject();
    }

    /** An OpenAI tool call for a {@code functionCall} part, the {@code call}-th of its candidate. */
    static ObjectNode toolCall(ObjectMapper mapper, JsonNode part, String responseId, int candidate, int call) {
        JsonNode function = part.get("functionCall");
        ObjectNode out = mapper.createObjectNode();
        JsonNode signature = part.get("thoughtSignature");
        out.put("id", ThoughtSignatures.id(id(function, responseId, candidate, call), signature != null && signature.isTextual()
                ? signature.asText() : null));
        out.put("type", "function");
        ObjectNode f = out.putObject("function");
        f.put("name", function.path("name").asText());
        JsonNode args = function.get("args");
        f.put("arguments", json(mapper, args == null || args.isNull() ? mapper.createObjectNode() : args));
        return out;
    }

    private static String id(JsonNode function, String responseId, int candidate, int call) {
        if (function.path("id").isTextual() && !function.get("id").asText().isEmpty()) {
            return "call_" + function.get("id").asText();
        }
        return "call_" + (responseId == null ? "gemini" : responseId) + "_" + candidate + "_" + call;
    }

    /** The candidate's parts, or an empty array. */
    static ArrayNode parts(ObjectMapper mapper, JsonNode candidate) {
        JsonNode parts = candidate.path("content").path("parts");
        return parts instanceof ArrayNode array ? array : mapper.createArrayNode();
    }

    static String json(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }
}
