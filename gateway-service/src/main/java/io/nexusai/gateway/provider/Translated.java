package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A whole (non-streamed) provider response in OpenAI's format.
 *
 * @param json  the OpenAI response object, {@code model} already the alias
 * @param usage its token usage ({@link TokenUsage#NONE} when the provider reported none)
 */
public record Translated(OpenAiJson json, TokenUsage usage) {
    private static final ObjectMapper TREES = new ObjectMapper();

    /** A response built as a tree. */
    public Translated(ObjectNode body, TokenUsage usage) {
        this(OpenAiJson.of(body), usage);
    }

    /** The response as a tree (parsed on demand when it was read as bytes): for tests and rare paths. */
    public ObjectNode body() {
        return json.tree(TREES);
    }
}
