package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * An ingress adapter: serves an ingress API other than chat completions (OpenAI Responses, Anthropic Messages) from
 * any provider through that provider's chat completions translator, which it wraps. The request goes ingress body
 * → chat body → provider request; the answer provider response → chat JSON → ingress JSON; a stream provider
 * bytes → chat chunks → ingress events, the adapter keeping the ingress stream's state (open items, sequence
 * numbers). Upstream errors are the chat translator's (an {@link ApiException}); the ingress's
 * {@link io.nexusai.gateway.pipeline.ClientWire} writes them in its envelope.
 *
 * <p>Usage: the provider's usage passes through as reported by the chat translator ({@link TokenUsage}); for a
 * stream the adapter asks the chat upstream for it ({@code stream_options.include_usage}, see
 * {@link #askForStreamUsage}) since its ingress has no such option, and its events carry the delivered text
 * ({@link OpenAiJson#event}). One instance per request; not thread-safe.
 */
public abstract class OverChatTranslator implements Translator {
    protected final ObjectMapper mapper;
    /** The provider's chat completions translator. */
    protected final Translator chat;

    protected OverChatTranslator(ObjectMapper mapper, Translator chat) {
        this.mapper = mapper;
        this.chat = chat;
    }

    /** The chat completions body for the client's ingress body (which must not be changed: failover reuses it). */
    protected abstract ObjectNode toChat(ObjectNode ingressBody, boolean stream);

    /** The ingress API's answer for a whole chat completion (its usage kept). */
    protected abstract Translated fromChat(Translated completion);

    /** The ingress API's events for the chat chunks of a piece of the stream (usage, done and error kept or mapped). */
    protected abstract StreamOutput fromChat(StreamOutput chunks);

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode body = toChat(clientBody, stream);
        if (stream) {
            askForStreamUsage(body);
        }
        return chat.request(body, stream);
    }

    /** Makes a streamed chat request ask for its usage (the final usage chunk of OpenAI-compatible providers). */
    protected static void askForStreamUsage(ObjectNode chatBody) {
        chatBody.withObject("/stream_options").put("include_usage", true);
    }

    @Override
    public void responseHeaders(int status, MultiMap headers) {
        chat.responseHeaders(status, headers);
    }

    @Override
    public Translated response(Buffer body) {
        return fromChat(chat.response(body));
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return fromChat(chat.stream(piece, endOfStream));
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return chat.error(status, body, headers);
    }
}
