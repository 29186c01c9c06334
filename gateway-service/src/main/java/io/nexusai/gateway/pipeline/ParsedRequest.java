package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client's request body, parsed and checked (attachment of the parse stage).
 *
 * @param endpoint the API called
 * @param body     the JSON body; the upstream stage rewrites it for the provider
 * @param model    the {@code model} the client asked for (an alias)
 * @param stream   whether the client asked for a stream
 */
public record ParsedRequest(Endpoint endpoint, ObjectNode body, String model, boolean stream) {
}
