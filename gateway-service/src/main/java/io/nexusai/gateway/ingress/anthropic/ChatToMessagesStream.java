package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.TokenUsage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat completion chunks (any provider's, already in OpenAI's format with the alias as {@code model}) as Anthropic
 * Messages stream events, in the order Anthropic sends them: {@code message_start} (with the input tokens known so
 * far) and a {@code ping} on the first chunk; per content block a {@code content_block_start}, its deltas
 * ({@code text_delta} for content and refusals, {@code input_json_delta} for tool call arguments) and a
 * {@code content_block_stop} — a block is closed when the next one starts, so parallel tool calls come out as
 * consecutive {@code tool_use} blocks, as Anthropic streams them; then, at the end, {@code message_delta} with
 * {@code stop_reason} and the usage the gateway metered, and {@code message_stop}. A failure after the first byte
 * ends the stream with the ingress's {@code error} event ({@link io.nexusai.gateway.pipeline.wire.MessagesWire}).
 *
 * <p>Only the first choice is followed (Anthropic answers with one message). Argument fragments that a provider
 * interleaves between parallel calls still go to their own block by index, which is how the Anthropic SDKs
 * accumulate them. One instance per stream: it keeps the open block and the stop reason; not thread-safe.
 */
public final class ChatToMessagesStream {
    private final ObjectMapper mapper;
    private final long inputTokens;
    private final JsonNode stopSequences;
    /** OpenAI tool call index → Anthropic content block index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private boolean started;
    private boolean ended;
    /** The open content block's index, or -1. */
    private int open = -1;
    private boolean openIsText;
    private int blocks;
    private String finishReason;
    private JsonNode providerStop;
    private TokenUsage reported;
    private String id = "";
    private String model = "";

    /**
     * @param inputTokens   the input tokens for {@code message_start} (an estimate: providers report usage at the end,
     *                      where {@code message_delta} carries the exact counts)
     * @param stopSequences the request's {@code stop_sequences}, or {@code null}
     */
    public ChatToMessagesStream(ObjectMapper mapper, long inputTokens, JsonNode stopSequences) {
        this.mapper = mapper;
        this.inputTokens = inputTokens;
        this.stopSequences = stopSequences;
    }

    /** The events one chat chunk completes (none for a usage-only chunk). */
    public List<ObjectNode> chunk(ObjectNode chunk) {
        List<ObjectNode> out = new ArrayList<>(4);
        if (ended) {
            return out;
        }
        if (!chunk.path("id").asText("").isEmpty()) {
            id = chunk.get("id").asText();
        }
        if (!chunk.path("model").asText("").isEmpty()) {
            model = chunk.get("model").asText();
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            reported = new TokenUsage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asLong(), 0,
                    usage.path("completion_tokens_details").path("reasoning_tokens").asLong(), false);
        }
        JsonNode choice = null;
        for (JsonNode c : chunk.path("choices")) {
            if (c.path("index").asInt(0) == 0) {
                choice = c;
                break;
            }
        }
        if (!started && (choice != null || !chunk.path("choices").isArray())) {
            start(out);
        }
        if (choice == null) {
            return out;
        }
        JsonNode delta = choice.path("delta");
        text(delta.get("content"), out);
        text(delta.get("refusal"), out);
        JsonNode calls = delta.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (int k = 0; k < calls.size(); k++) {
                toolCall(calls.get(k), k, out);
            }
        }
        JsonNode finish = choice.get("finish_reason");
        if (finish != null && finish.isTextual()) {
            finishReason = finish.asText();
            providerStop = choice.get("stop_reason");
            close(out);
        }
        return out;
    }

    /**
     * The events of the regular end: the open block closed, {@code message_delta} with the stop reason and usage,
     * {@code message_stop}.
     *
     * @param usage the stream's usage as the gateway metered it; {@code null} for what the provider reported
     */
    public List<ObjectNode> end(TokenUsage usage) {
        List<ObjectNode> out = new ArrayList<>(4);
        if (ended) {
            return out;
        }
        if (!started) {
            start(out);
        }
        close(out);
        ended = true;
        ChatToMessagesResponse.StopReason stop = ChatToMessagesResponse.StopReason.of(finishReason, providerStop, stopSequences);
        ObjectNode event = event("message_delta");
        ObjectNode delta = event.putObject("delta");
        delta.put("stop_reason", stop.reason());
        if (stop.sequence() == null) {
            delta.putNull("stop_sequence");
        } else {
            delta.put("stop_sequence", stop.sequence());
        }
        TokenUsage counted = usage != null ? usage : reported != null ? reported : new TokenUsage(inputTokens, 0, true);
        event.set("usage", ChatToMessagesResponse.usage(mapper, counted));
        out.add(event);
        out.add(event("message_stop"));
        return out;
    }

    /** The usage the provider reported in the stream so far, or {@code null}. */
    public TokenUsage reported() {
        return reported;
    }

    private void start(List<ObjectNode> out) {
        started = true;
        ObjectNode event = event("message_start");
        ObjectNode message = event.putObject("message");
        message.put("id", ChatToMessagesResponse.messageId(id));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", inputTokens);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.put("output_tokens", 0);
        out.add(event);
        out.add(event("ping"));
    }

    private void text(JsonNode text, List<ObjectNode> out) {
        if (text == null || !text.isTextual() || text.asText().isEmpty()) {
            return;
        }
        if (open < 0 || !openIsText) {
            close(out);
            open = blocks++;
            openIsText = true;
            ObjectNode start = event("content_block_start");
            start.put("index", open);
            start.putObject("content_block").put("type", "text").put("text", "");
            out.add(start);
        }
        ObjectNode event = event("content_block_delta");
        event.put("index", open);
        event.putObject("delta").put("type", "text_delta").put("text", text.asText());
        out.add(event);
    }

    private void toolCall(JsonNode call, int position, List<ObjectNode> out) {
        int index = call.path("index").asInt(position);
        Integer block = toolBlocks.get(index);
        JsonNode function = call.path("function");
        if (block == null) {
            close(out);
            block = blocks++;
            toolBlocks.put(index, block);
            open = block;
            openIsText = false;
            ObjectNode start = event("content_block_start");
            start.put("index", block);
            ObjectNode content = start.putObject("content_block");
            content.put("type", "tool_use");
            content.put("id", call.path("id").isTextual() ? call.get("id").asText() : "toolu_" + index + "_" + blocks);
            content.put("name", function.path("name").asText(""));
            content.putObject("input");
            out.add(start);
        }
        JsonNode arguments = function.get("arguments");
        if (arguments != null && arguments.isTextual() && !arguments.asText().isEmpty()) {
            ObjectNode event = event("content_block_delta");
            event.put("index", block);
            event.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments.asText());
            out.add(event);
        }
    }

    private void close(List<ObjectNode> out) {
        if (open >= 0) {
            ObjectNode stop = event("content_block_stop");
            stop.put("index", open);
            out.add(stop);
            open = -1;
        }
    }

    private ObjectNode event(String type) {
        return mapper.createObjectNode().put("type", type);
    }
}
