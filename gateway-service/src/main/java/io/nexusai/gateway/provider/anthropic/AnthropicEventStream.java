package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.sse.SseEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one Anthropic Messages event stream ({@code message_start}, {@code content_block_start},
 * {@code content_block_delta}, {@code content_block_stop}, {@code message_delta}, {@code message_stop},
 * {@code ping}, {@code error}) incrementally and keeps what both OpenAI stream shapes need: the message id,
 * the {@code created} time, token usage, and the end. What a content event becomes is up to the {@link Sink} of
 * the OpenAI API being served; the final usage-only chunk ({@code "choices":[]} with {@code usage}) is emitted
 * here, on {@code message_stop}. One instance per stream.
 */
final class AnthropicEventStream extends AnthropicEvents {

    /** Turns content events into OpenAI chunks of one API. */
    interface Sink {
        /** {@code message_start}: the stream's first chunks, if the API has any. */
        void messageStart(List<ObjectNode> out);

        /** {@code content_block_start} for the block at {@code index}. */
        void blockStart(int index, JsonNode block, List<ObjectNode> out);

        /** {@code content_block_delta} for the block at {@code index}. */
        void blockDelta(int index, JsonNode delta, List<ObjectNode> out);

        /** {@code message_delta} with Anthropic's {@code stop_reason} (may be {@code null}). */
        void messageDelta(String stopReason, List<ObjectNode> out);
    }

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final String idPrefix;
    private final String object;
    private final String api;
    private final Sink sink;
    private String id;
    private long created;
    private final AnthropicStreamUsage counts = new AnthropicStreamUsage();
    /** What the piece being read makes: its chunks, the usage it reported. */
    private List<ObjectNode> chunks;
    private TokenUsage usage;

    /**
     * @param idPrefix prefix of OpenAI's id before Anthropic's message id ({@code chatcmpl-}, {@code cmpl-})
     * @param object   OpenAI's {@code object} of a chunk
     * @param api      the API's name in error messages
     * @param sink     what content events become
     */
    AnthropicEventStream(ObjectMapper mapper, Deployment deployment, String alias, String idPrefix, String object, String api,
                         Sink sink) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.idPrefix = idPrefix;
        this.object = object;
        this.api = api;
        this.sink = sink;
    }

    @Override
    void begin(int events) {
        chunks = new ArrayList<>(events);
        usage = null;
    }

    @Override
    ApiException event(SseEvent event) {
        ObjectNode data = AnthropicWire.parseObject(mapper, event.bytes());
        if (data == null) {
            return AnthropicWire.invalid(deployment, api);
        }
        String type = data.path("type").asText(event.event() == null ? "" : event.event());
        switch (type) {
            case "message_start" -> {
                JsonNode message = data.path("message");
                if (message.hasNonNull("id")) {
                    id = idPrefix + message.get("id").asText();
                }
                counts.start(message.path("usage"));
                usage = counts.usage();
                sink.messageStart(chunks);
            }
            case "content_block_start" -> sink.blockStart(data.path("index").asInt(), data.path("content_block"), chunks);
            case "content_block_delta" -> sink.blockDelta(data.path("index").asInt(), data.path("delta"), chunks);
            case "message_delta" -> {
                JsonNode u = data.path("usage");
                if (u.isObject()) {
                    counts.delta(u);
                    usage = counts.usage();
                }
                JsonNode stopReason = data.path("delta").path("stop_reason");
                sink.messageDelta(stopReason.isTextual() ? stopReason.asText() : null, chunks);
            }
            case "message_stop" -> {
                ObjectNode last = chunk();
                last.putArray("choices");
                AnthropicWire.putUsage(last, counts.usage());
                chunks.add(last);
                done();
            }
            case "error" -> {
                JsonNode message = data.path("error").path("message");
                return UpstreamErrors.midStream(deployment.providerName(), message.isTextual() ? message.asText() : null);
            }
            default -> {
                // ping, content_block_stop, and event types added to the API later
            }
        }
        return null;
    }

    @Override
    StreamOutput output(boolean done, ApiException error) {
        return StreamOutput.trees(chunks, usage, done, error);
    }

    /** A chunk with OpenAI's common fields: {@code id}, {@code object}, {@code created}, {@code model}. */
    ObjectNode chunk() {
        if (created == 0) {
            created = AnthropicWire.now();
        }
        ObjectNode chunk = mapper.createObjectNode();
        chunk.put("id", id == null ? idPrefix + "anthropic" : id);
        chunk.put("object", object);
        chunk.put("created", created);
        chunk.put("model", alias);
        return chunk;
    }
}
