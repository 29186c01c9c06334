package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The Anthropic Messages ingress served by any provider's chat completions translator, which it wraps: the Messages
 * request becomes a chat request ({@link MessagesToChatRequest}), the chat completion a Messages response
 * ({@link ChatToMessagesResponse}), the chat chunks Messages stream events ({@link ChatToMessagesStream}, closed with
 * {@code message_delta} and {@code message_stop} when the provider completes the stream). Upstream errors are the
 * chat translator's; the ingress writes them in Anthropic's envelope.
 *
 * <p>One instance per request: it keeps the stream state; never shared.
 */
public final class MessagesOverChatTranslator implements Translator {
    private final ObjectMapper mapper;
    private final Translator chat;
    private final MessagesToChatRequest requests;
    private final ChatToMessagesResponse responses;
    private final long inputTokensEstimate;
    private ChatToMessagesStream events;
    private JsonNode stopSequences;
    private TokenUsage usage;

    /**
     * @param chat                the provider's chat completions translator for this request
     * @param inputTokensEstimate input tokens for {@code message_start} (the exact count follows in {@code message_delta})
     */
    public MessagesOverChatTranslator(ObjectMapper mapper, Translator chat, long inputTokensEstimate) {
        this.mapper = mapper;
        this.chat = chat;
        this.requests = new MessagesToChatRequest(mapper);
        this.responses = new ChatToMessagesResponse(mapper);
        this.inputTokensEstimate = inputTokensEstimate;
        this.events = new ChatToMessagesStream(mapper, inputTokensEstimate, null);
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        stopSequences = clientBody.get("stop_sequences");
        events = new ChatToMessagesStream(mapper, inputTokensEstimate, stopSequences);
        usage = null;
        return chat.request(requests.toChat(clientBody), stream);
    }

    @Override
    public void responseHeaders(int status, MultiMap headers) {
        chat.responseHeaders(status, headers);
    }

    @Override
    public Translated response(Buffer body) {
        Translated completion = chat.response(body);
        return new Translated(responses.toMessage(completion.body(), completion.usage(), stopSequences), completion.usage());
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        StreamOutput chunks = chat.stream(piece, endOfStream);
        if (chunks.usage() != null) {
            usage = chunks.usage();
        }
        List<ObjectNode> out = new ArrayList<>(chunks.chunks().size() * 2 + 2);
        for (OpenAiJson chunk : chunks.chunks()) {
            out.addAll(events.chunk(chunk.tree(mapper)));
        }
        if (chunks.done()) {
            out.addAll(events.end(usage));
        }
        return StreamOutput.trees(out, chunks.usage(), chunks.done(), chunks.error());
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return chat.error(status, body, headers);
    }
}
