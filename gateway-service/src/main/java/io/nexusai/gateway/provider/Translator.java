package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Translates one client API call (OpenAI format) to one provider API and back. One instance per request: it
 * may keep state across response chunks (e.g. a partial SSE event), so it is never shared.
 */
public interface Translator {

    /** The upstream request for the client's body; only {@code model} (and the provider's own shape) may change. */
    UpstreamRequest request(ObjectNode clientBody);

    /** Sees the upstream response status and headers before any body. */
    default void responseHeaders(int status, MultiMap headers) {
    }

    /**
     * A piece of the upstream response body; {@code endOfStream} on the last (possibly empty) piece. Returns
     * the bytes for the client, with {@code model} set to the alias the client asked for.
     */
    TranslatedChunk responseBody(Buffer chunk, boolean endOfStream);

    /** An upstream error response as an OpenAI error, with the status the client should see. */
    ApiException error(int status, Buffer body, MultiMap headers);
}
