package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client's request body, parsed (attachment of the parse stage).
 *
 * @param endpoint the API called, e.g. {@code chat.completions}
 * @param body     the JSON body; later stages may rewrite it for the upstream
 * @param model    the {@code model} the client asked for (an alias)
 * @param stream   whether the client asked for a stream
 */
public record ParsedRequest(String endpoint, ObjectNode body, String model, boolean stream) {
}
