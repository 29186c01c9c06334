package io.nexusai.gateway.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.wire.ResponsesWire;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.OverChatTranslator;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI Responses API over any provider's chat completions translator. The request goes through
 * {@link ResponsesToChat}; a whole chat completion becomes a {@code Response} (an assistant {@code message} item
 * with its text or refusal, a {@code function_call} item per tool call, {@code incomplete} when the answer was cut
 * by {@code max_output_tokens} or a content filter); a chat stream becomes the typed event sequence, numbered by
 * {@code sequence_number} from 0: {@code response.created}, {@code response.in_progress}, then per item
 * {@code response.output_item.added}, {@code response.content_part.added} and {@code response.output_text.delta}
 * (or {@code response.refusal.delta}) for a message, {@code response.function_call_arguments.delta} for a function
 * call, and at the end of the chat stream their {@code .done} events, {@code response.output_item.done} and
 * {@code response.completed} (or {@code response.incomplete}) with the usage. A stream that fails after it started
 * ends with an {@code error} event and {@code response.failed}.
 *
 * <p>One instance per request (it holds the stream's items and counter); not thread-safe.
 */
public final class ResponsesOverChatTranslator extends OverChatTranslator implements ResponsesTranslator {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String alias;
    private ResponseObjects objects;

    private long sequence;
    private boolean started;
    private boolean finished;
    /** The output items in order, as they stand (their final form once closed). */
    private final List<Item> items = new ArrayList<>(2);
    private Item message;
    /** Function calls by the chat tool call index. */
    private final List<Item> calls = new ArrayList<>(1);
    private String finishReason;
    private TokenUsage usage;
    private ObjectNode finishedResponse;

    public ResponsesOverChatTranslator(ObjectMapper mapper, Translator chat, String alias) {
        super(mapper, chat);
        this.alias = alias;
    }

    /** The response's objects (id, echo of the request); known once the request was translated. */
    public ResponseObjects objects() {
        return objects;
    }

    @Override
    protected ObjectNode toChat(ObjectNode ingressBody, boolean stream) {
        objects = new ResponseObjects(ingressBody, alias);
        return ResponsesToChat.chatBody(ingressBody, stream);
    }

    @Override
    protected Translated fromChat(Translated completion) {
        ObjectNode chat = completion.body();
        JsonNode choice = chat.path("choices").path(0);
        JsonNode message = choice.path("message");
        String incomplete = incompleteReason(choice.path("finish_reason").asText(null));
        String itemStatus = incomplete == null ? "completed" : "incomplete";
        ArrayNode output = NODES.arrayNode();
        StringBuilder delivered = new StringBuilder();
        String content = text(message.get("content"));
        String refusal = text(message.get("refusal"));
        JsonNode toolCalls = message.path("tool_calls");
        if (content != null || refusal != null || toolCalls.isEmpty()) {
            ArrayNode parts = NODES.arrayNode();
            if (content != null || refusal == null) {
                parts.add(ResponseObjects.outputText(content == null ? "" : content));
                delivered.append(content == null ? "" : content);
            }
            if (refusal != null) {
                parts.add(ResponseObjects.refusal(refusal));
                delivered.append(refusal);
            }
            output.add(ResponseObjects.message(ResponseObjects.newId("msg_"), itemStatus, parts));
        }
        for (JsonNode call : toolCalls) {
            JsonNode function = call.path("function");
            String name = function.path("name").asText("");
            String arguments = function.path("arguments").asText("");
            delivered.append(name).append(arguments);
            output.add(ResponseObjects.functionCall(ResponseObjects.newId("fc_"), callId(call.path("id").asText(null)), name,
                    arguments, itemStatus));
        }
        ObjectNode response = objects.response(incomplete == null ? "completed" : "incomplete", output, incomplete, null,
                completion.usage());
        finishedResponse = response;
        return new Translated(OpenAiJson.event(response, delivered.toString()), completion.usage());
    }

    @Override
    protected StreamOutput fromChat(StreamOutput chunks) {
        List<OpenAiJson> events = new ArrayList<>(chunks.chunks().size() + 2);
        if (chunks.usage() != null) {
            usage = chunks.usage();
        }
        if (finished) {
            return new StreamOutput(events, chunks.usage(), chunks.done(), chunks.error());
        }
        start(events);
        for (OpenAiJson chunk : chunks.chunks()) {
            ObjectNode tree = chunk.tree(mapper);
            for (JsonNode choice : tree.path("choices")) {
                if (choice.path("index").asInt(0) != 0) {
                    continue;
                }
                delta(choice.path("delta"), events);
                String reason = choice.path("finish_reason").asText(null);
                if (reason != null) {
                    finishReason = reason;
                }
            }
        }
        if (chunks.done() && chunks.error() == null) {
            finish(events);
        }
        return new StreamOutput(events, chunks.usage(), chunks.done(), chunks.error());
    }

    private void start(List<OpenAiJson> events) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode response = objects.response("in_progress", NODES.arrayNode(), null, null, null);
        events.add(event("response.created", "", e -> e.set("response", response)));
        events.add(event("response.in_progress", "", e -> e.set("response", response.deepCopy())));
    }

    private void delta(JsonNode delta, List<OpenAiJson> events) {
        String content = text(delta.get("content"));
        if (content != null && !content.isEmpty()) {
            Part part = message(events).part("output_text", events);
            part.text.append(content);
            events.add(event("response.output_text.delta", content, e -> e.put("item_id", message.id)
                    .put("output_index", message.outputIndex).put("content_index", part.index)
                    .put("delta", content).set("logprobs", NODES.arrayNode())));
        }
        String refusal = text(delta.get("refusal"));
        if (refusal != null && !refusal.isEmpty()) {
            Part part = message(events).part("refusal", events);
            part.text.append(refusal);
            events.add(event("response.refusal.delta", refusal, e -> e.put("item_id", message.id)
                    .put("output_index", message.outputIndex).put("content_index", part.index).put("delta", refusal)));
        }
        for (JsonNode call : delta.path("tool_calls")) {
            int index = call.path("index").asInt(calls.size());
            JsonNode function = call.path("function");
            Item item = index < calls.size() ? calls.get(index) : null;
            if (item == null) {
                while (calls.size() <= index) {
                    calls.add(null);
                }
                item = new Item("function_call", ResponseObjects.newId("fc_"), items.size());
                item.callId = callId(call.path("id").asText(null));
                item.name = function.path("name").asText("");
                calls.set(index, item);
                items.add(item);
                Item added = item;
                events.add(event("response.output_item.added", added.name, e -> e.put("output_index", added.outputIndex)
                        .set("item", added.json("in_progress"))));
            } else if (function.path("name").isTextual() && item.name.isEmpty()) {
                item.name = function.get("name").asText();
            }
            String arguments = text(function.get("arguments"));
            if (arguments != null && !arguments.isEmpty()) {
                item.arguments.append(arguments);
                Item target = item;
                events.add(event("response.function_call_arguments.delta", arguments, e -> e.put("item_id", target.id)
                        .put("output_index", target.outputIndex).put("delta", arguments)));
            }
        }
    }

    /** The assistant message item, opened (with its {@code output_item.added}) on its first text. */
    private Item message(List<OpenAiJson> events) {
        if (message == null) {
            message = new Item("message", ResponseObjects.newId("msg_"), items.size());
            items.add(message);
            Item added = message;
            events.add(event("response.output_item.added", "", e -> e.put("output_index", added.outputIndex)
                    .set("item", added.json("in_progress"))));
        }
        return message;
    }

    /** Closes every item (their {@code .done} events) and completes the response. */
    private void finish(List<OpenAiJson> events) {
        finished = true;
        String incomplete = incompleteReason(finishReason);
        String itemStatus = incomplete == null ? "completed" : "incomplete";
        ArrayNode output = NODES.arrayNode();
        for (Item item : items) {
            if (item.type.equals("message")) {
                for (Part part : item.parts) {
                    String text = part.text.toString();
                    if (part.type.equals("output_text")) {
                        events.add(event("response.output_text.done", "", e -> e.put("item_id", item.id)
                                .put("output_index", item.outputIndex).put("content_index", part.index).put("text", text)
                                .set("logprobs", NODES.arrayNode())));
                    } else {
                        events.add(event("response.refusal.done", "", e -> e.put("item_id", item.id)
                                .put("output_index", item.outputIndex).put("content_index", part.index).put("refusal", text)));
                    }
                    events.add(event("response.content_part.done", "", e -> e.put("item_id", item.id)
                            .put("output_index", item.outputIndex).put("content_index", part.index).set("part", part.json())));
                }
            } else {
                events.add(event("response.function_call_arguments.done", "", e -> e.put("item_id", item.id)
                        .put("output_index", item.outputIndex).put("name", item.name)
                        .put("arguments", item.arguments.toString())));
            }
            ObjectNode done = item.json(itemStatus);
            output.add(done);
            events.add(event("response.output_item.done", "", e -> e.put("output_index", item.outputIndex)
                    .set("item", done.deepCopy())));
        }
        TokenUsage reported = usage == null ? TokenUsage.NONE : usage;
        ObjectNode response = objects.response(incomplete == null ? "completed" : "incomplete", output, incomplete, null,
                reported);
        finishedResponse = response;
        events.add(event(incomplete == null ? "response.completed" : "response.incomplete", "", e -> e.set("response", response)));
    }

    @Override
    public ObjectNode finished() {
        return finishedResponse;
    }

    @Override
    public List<OpenAiJson> streamFailed(ApiException error) {
        List<OpenAiJson> events = new ArrayList<>(4);
        if (objects == null) {
            return null;
        }
        start(events);
        finished = true;
        long errorSequence = sequence++;
        ObjectNode errorEvent;
        try {
            errorEvent = (ObjectNode) mapper.readTree(ResponsesWire.errorEvent(error, errorSequence));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read our own error event", e);
        }
        events.add(OpenAiJson.event(errorEvent, ""));
        ArrayNode output = NODES.arrayNode();
        for (Item item : items) {
            output.add(item.json("incomplete"));
        }
        ObjectNode response = objects.response("failed", output, null, error, usage);
        events.add(event("response.failed", "", e -> e.set("response", response)));
        return events;
    }

    /** An event of this stream: its {@code type} first, its fields, its {@code sequence_number} last. */
    private OpenAiJson event(String type, String delivered, java.util.function.Consumer<ObjectNode> fields) {
        ObjectNode e = NODES.objectNode().put("type", type);
        fields.accept(e);
        e.put("sequence_number", sequence++);
        return OpenAiJson.event(e, delivered);
    }

    private static String incompleteReason(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "length" -> "max_output_tokens";
            case "content_filter" -> "content_filter";
            default -> null;
        };
    }

    private static String callId(String chatId) {
        return chatId == null || chatId.isEmpty() ? ResponseObjects.newId("call_") : chatId;
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    /** A content part of the message item. */
    private static final class Part {
        final String type;
        final int index;
        final StringBuilder text = new StringBuilder();

        Part(String type, int index) {
            this.type = type;
            this.index = index;
        }

        ObjectNode json() {
            return type.equals("output_text") ? ResponseObjects.outputText(text.toString()) : ResponseObjects.refusal(text.toString());
        }
    }

    /** An output item being streamed: the message, or a function call. */
    private final class Item {
        final String type;
        final String id;
        final int outputIndex;
        final List<Part> parts = new ArrayList<>(1);
        String callId;
        String name;
        final StringBuilder arguments = new StringBuilder();

        Item(String type, String id, int outputIndex) {
            this.type = type;
            this.id = id;
            this.outputIndex = outputIndex;
        }

        /** The part of that type, opened (with its {@code content_part.added}) on its first delta. */
        Part part(String partType, List<OpenAiJson> events) {
            for (Part p : parts) {
                if (p.type.equals(partType)) {
                    return p;
                }
            }
            Part p = new Part(partType, parts.size());
            parts.add(p);
            events.add(event("response.content_part.added", "", e -> e.put("item_id", id).put("output_index", outputIndex)
                    .put("content_index", p.index).set("part", p.json())));
            return p;
        }

        ObjectNode json(String status) {
            if (type.equals("message")) {
                ArrayNode content = NODES.arrayNode();
                if (!status.equals("in_progress")) {
                    for (Part p : parts) {
                        content.add(p.json());
                    }
                }
                return ResponseObjects.message(id, status, content);
            }
            return ResponseObjects.functionCall(id, callId, name, status.equals("in_progress") ? "" : arguments.toString(), status);
        }
    }
}
