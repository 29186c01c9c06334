package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.OpenAiJson;
import io.vertx.core.buffer.Buffer;

/**
 * How one ingress API talks to its clients, whatever provider serves the request: the body of an error answer,
 * how each stream event is framed, what ends a completed stream and what ends a stream that failed after it
 * started. Chosen by the {@link Endpoint} (the path the client called); every answer of that endpoint's pipeline
 * goes through it — {@link ProxyContext#fail}, the early refusals of {@link Pipeline}, the relay of a stream, the
 * 405s of its route. Stateless and shared: state a stream's last event needs (a response id, a sequence number)
 * belongs to the request's translator ({@link io.nexusai.gateway.provider.Translator#streamFailed}).
 *
 * @see io.nexusai.gateway.pipeline.wire.OpenAiChatWire
 * @see io.nexusai.gateway.pipeline.wire.TypedEventWire
 */
public interface ClientWire {

    /** The body of an error answer (not streamed) in this API's error envelope; sent as {@code application/json}. */
    Buffer errorBody(ApiException error);

    /**
     * The same for a request whose id the client gets in {@code x-request-id}: APIs whose envelope carries it
     * (Anthropic's {@code request_id}) put it in too.
     */
    default Buffer errorBody(ApiException error, String requestId) {
        return errorBody(error);
    }

    /**
     * The HTTP status of an error answer: the failure's own, unless the API has its own codes for it (Anthropic
     * Messages answers an overload with 529 and every other server failure with 500).
     */
    default int status(ApiException error) {
        return error.status();
    }

    /** Appends one stream event, framed for this API (e.g. {@code data: <json>\n\n}). */
    void frame(OpenAiJson event, Buffer out, ObjectMapper mapper);

    /** What follows the last event of a stream the provider completed (e.g. {@code data: [DONE]}); may be empty. */
    Buffer streamEnd();

    /**
     * The last event of a stream that failed after its head went out, when the request's translator has none of its
     * own: an error event in this API's format.
     */
    Buffer streamError(ApiException error);
}
