package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A whole (non-streamed) provider response in OpenAI's format.
 *
 * @param body  the OpenAI response object, {@code model} already the alias
 * @param usage its token usage ({@link TokenUsage#NONE} when the provider reported none)
 */
public record Translated(ObjectNode body, TokenUsage usage) {
}
