package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/** Reading and writing the JSON bodies of providers' APIs, and the parts of OpenAI chat chunks translators build. */
public final class ProviderBodies {
    private ProviderBodies() {
    }

    /** A tree as request bytes. */
    public static Buffer bytes(ObjectMapper mapper, JsonNode node) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    /** The JSON value of {@code bytes}, or {@code null} when they are not JSON. */
    public static JsonNode parse(ObjectMapper mapper, byte[] bytes) {
        try {
            return mapper.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    /** The JSON object of {@code bytes}, or {@code null} when they are not one. */
    public static ObjectNode parseObject(ObjectMapper mapper, byte[] bytes) {
        return parse(mapper, bytes) instanceof ObjectNode o ? o : null;
    }

    /** OpenAI's {@code created}: epoch seconds. */
    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** A {@code chat.completion.chunk} with its common fields: {@code id}, {@code object}, {@code created}, {@code model}. */
    public static ObjectNode chunk(ObjectMapper mapper, String id, long created, String alias) {
        ObjectNode chunk = mapper.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", alias);
        return chunk;
    }

    /** Adds the one choice of a chat chunk: its {@code index}, {@code delta} and {@code finish_reason}. */
    public static ObjectNode withChoice(ObjectNode chunk, int index, ObjectNode delta, String finishReason) {
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    /** A {@code chat.completion} with its common fields and an empty {@code choices} array. */
    public static ObjectNode completion(ObjectMapper mapper, String id, String alias) {
        ObjectNode out = mapper.createObjectNode();
        out.put("id", id);
        out.put("object", "chat.completion");
        out.put("created", now());
        out.put("model", alias);
        out.putArray("choices");
        return out;
    }

    /**
     * Adds a choice to a {@code chat.completion}: the assistant's text ({@code null} when it has none) and tool
     * calls (left out when empty), and the {@code finish_reason}.
     */
    public static void addChoice(ObjectNode completion, int index, CharSequence text, ArrayNode toolCalls, String finishReason) {
        ObjectNode choice = ((ArrayNode) completion.get("choices")).addObject();
        choice.put("index", index);
        ObjectNode reply = choice.putObject("message");
        reply.put("role", "assistant");
        reply.put("content", text == null ? null : text.toString());
        reply.putNull("refusal");
        if (!toolCalls.isEmpty()) {
            reply.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
    }
}
