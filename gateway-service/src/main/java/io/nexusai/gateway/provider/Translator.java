package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Translates one client API call (an ingress API: OpenAI chat/completions/embeddings, or an adapter's API such as
 * Responses over chat) to one provider API and back, for one endpoint. One instance
 * per request: it keeps stream state (a partial SSE event, open content blocks) between pieces, so it is never
 * shared. Gateway policy (which usage chunks a client sees, SSE framing, estimates) is not its business.
 */
public interface Translator {

    /** The upstream request for the client's body (which it may modify); {@code stream} as the client asked. */
    UpstreamRequest request(ObjectNode clientBody, boolean stream);

    /** Sees the upstream response status and headers before any body. */
    default void responseHeaders(int status, MultiMap headers) {
    }

    /** A whole successful non-streamed response, in OpenAI's format with the alias as {@code model}. */
    Translated response(Buffer body);

    /**
     * A piece of a successful streamed response, cut at any byte; {@code endOfStream} with the last (possibly
     * empty) piece.
     */
    StreamOutput stream(Buffer piece, boolean endOfStream);

    /** An upstream error response as an OpenAI error, with the status the client should see. */
    ApiException error(int status, Buffer body, MultiMap headers);

    /**
     * The events that end the client's stream when it fails after its head went out (provider error, timeout,
     * broken connection), in the ingress's event format, each framed by the ingress's
     * {@link io.nexusai.gateway.pipeline.ClientWire}; {@code null} (the default): the wire's own stateless error
     * event. Ingress adapters whose error events carry stream state (a response id, a sequence number) give theirs.
     */
    default List<OpenAiJson> streamFailed(ApiException error) {
        return null;
    }
}
