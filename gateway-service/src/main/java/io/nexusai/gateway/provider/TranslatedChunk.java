package io.nexusai.gateway.provider;

import io.vertx.core.buffer.Buffer;

/**
 * What a translator made of a piece of the provider's response.
 *
 * @param bytes bytes for the client, in OpenAI's format (may be empty)
 * @param usage token usage seen so far in the response, or {@code null} if none yet
 */
public record TranslatedChunk(Buffer bytes, TokenUsage usage) {
}
