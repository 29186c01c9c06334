package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.OverChatTranslator;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;

import java.util.ArrayList;
import java.util.List;

/**
 * The Anthropic Messages ingress served by any provider's chat completions translator, which it wraps: the Messages
 * request becomes a chat request ({@link MessagesToChatRequest}), the chat completion a Messages response
 * ({@link ChatToMessagesResponse}), the chat chunks Messages stream events ({@link ChatToMessagesStream}, closed with
 * {@code message_delta} and {@code message_stop} when the provider completes the stream, with the usage it reported).
 * Upstream errors are the chat translator's; {@link io.nexusai.gateway.pipeline.wire.MessagesWire} writes them in
 * Anthropic's envelope.
 *
 * <p>One instance per request: it keeps the stream state; never shared.
 */
public final class MessagesOverChatTranslator extends OverChatTranslator {
    private final MessagesToChatRequest requests;
    private final ChatToMessagesResponse responses;
    private ChatToMessagesStream events;
    private JsonNode stopSequences;
    private TokenUsage usage;

    /** @param chat the provider's chat completions translator for this request */
    public MessagesOverChatTranslator(ObjectMapper mapper, Translator chat) {
        super(mapper, chat);
        this.requests = new MessagesToChatRequest(mapper);
        this.responses = new ChatToMessagesResponse(mapper);
        this.events = new ChatToMessagesStream(mapper, 0, null);
    }

    @Override
    protected ObjectNode toChat(ObjectNode ingressBody, boolean stream) {
        stopSequences = ingressBody.get("stop_sequences");
        // the exact input count comes with message_delta (the Anthropic SDKs take it from there)
        events = new ChatToMessagesStream(mapper, 0, stopSequences);
        usage = null;
        return requests.toChat(ingressBody);
    }

    @Override
    protected Translated fromChat(Translated completion) {
        ObjectNode message = responses.toMessage(completion.body(), completion.usage(), stopSequences);
        return new Translated(OpenAiJson.event(message, delivered(message.path("content"))), completion.usage());
    }

    @Override
    protected StreamOutput fromChat(StreamOutput chunks) {
        if (chunks.usage() != null) {
            usage = chunks.usage();
        }
        List<OpenAiJson> out = new ArrayList<>(chunks.chunks().size() * 2 + 2);
        for (OpenAiJson chunk : chunks.chunks()) {
            for (ObjectNode event : events.chunk(chunk.tree(mapper))) {
                out.add(OpenAiJson.event(event, delivered(event)));
            }
        }
        if (chunks.done()) {
            for (ObjectNode event : events.end(usage)) {
                out.add(OpenAiJson.event(event, null));
            }
        }
        return new StreamOutput(out, chunks.usage(), chunks.done(), chunks.error());
    }

    /** The text an event (or a message's content) delivers, for the usage estimate of a stream cut short. */
    private static String delivered(JsonNode node) {
        if (node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode block : node) {
                text.append(block.path("text").asText("")).append(block.path("name").asText(""));
                if (block.has("input")) {
                    text.append(block.get("input"));
                }
            }
            return text.toString();
        }
        JsonNode delta = node.get("delta");
        if (delta != null && delta.has("text")) {
            return delta.get("text").asText();
        }
        if (delta != null && delta.has("partial_json")) {
            return delta.get("partial_json").asText();
        }
        return node.path("content_block").path("name").asText("");
    }
}
