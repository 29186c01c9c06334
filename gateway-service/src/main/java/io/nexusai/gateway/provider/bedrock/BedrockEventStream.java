package io.nexusai.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ProviderBodies;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.eventstream.HeaderType;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one ConverseStream answer incrementally into {@code chat.completion.chunk}s. The answer is AWS's binary
 * event stream ({@code application/vnd.amazon.eventstream}): messages of a prelude (total length, headers length,
 * prelude CRC), headers, a JSON payload and a message CRC, cut anywhere by the network; the AWS SDK's
 * {@link MessageDecoder} reassembles them and checks both CRCs (a mismatch or an impossible length is a 502).
 *
 * <p>Events ({@code :message-type} {@code event}, named by {@code :event-type}): {@code messageStart} gives the role
 * chunk; {@code contentBlockStart} of a {@code toolUse} the tool call's id and name; {@code contentBlockDelta} text
 * (content deltas) or {@code toolUse.input} pieces (argument deltas), reasoning deltas being left out as chat
 * completions have no place for them; {@code messageStop} the {@code finish_reason}; {@code metadata} the usage,
 * emitted as the usage-only chunk ({@code "choices":[]}) that ends the stream. An {@code exception} message
 * ({@code throttlingException}, {@code modelStreamErrorException}, ...) ends the stream with a 502 error. A stream
 * that ends before {@code messageStop} is not {@code done}, which the gateway reports as cut. With an answer tool
 * (structured output), only that tool's input is streamed, as content deltas, and its {@code tool_use} stop is
 * {@code stop}.
 * One instance per stream.
 */
final class BedrockEventStream {
    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final List<Message> decoded = new ArrayList<>();
    private final MessageDecoder decoder = new MessageDecoder(decoded::add);
    /** Bedrock content block index → OpenAI tool call index. */
    private final Map<Integer, Integer> toolCalls = new HashMap<>();
    /** The answer tool's name (structured output), or {@code null}; the content block index of its call, or -1. */
    private String answerTool;
    private int answerBlock = -1;
    private String id;
    private long created;
    private TokenUsage usage;
    private boolean stopped;
    private boolean done;
    private boolean failed;

    BedrockEventStream(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
    }

    /** The id of the chunks: the AWS request id when the answer's headers gave one. */
    void requestId(String requestId) {
        if (requestId != null && !requestId.isEmpty()) {
            id = "chatcmpl-" + requestId;
        }
    }

    /** Structured output: the calls of this tool are the message's text. */
    void answerTool(String name) {
        answerTool = name;
    }

    StreamOutput feed(Buffer piece, boolean endOfStream) {
        if (failed || done) {
            return StreamOutput.EMPTY;
        }
        ApiException broken = null;
        try {
            if (piece.length() > 0) {
                decoder.feed(piece.getByteBuf().nioBuffer());
            }
        } catch (RuntimeException e) {
            // a CRC mismatch or an impossible length: the bytes are not an event stream (or were damaged); the
            // messages decoded before it still count
            broken = BedrockWire.invalid(deployment, "a ConverseStream body that is not a valid event stream");
        }
        List<ObjectNode> chunks = new ArrayList<>();
        TokenUsage reported = null;
        for (Message message : decoded) {
            if (done) {
                break;
            }
            String type = header(message, ":message-type");
            if (!"event".equals(type)) {
                failed = true;
                decoded.clear();
                return StreamOutput.trees(chunks, reported, false, UpstreamErrors.midStream(deployment.providerName(), exception(message)));
            }
            ObjectNode payload = ProviderBodies.parseObject(mapper, message.getPayload());
            if (payload == null) {
                failed = true;
                decoded.clear();
                return StreamOutput.trees(chunks, reported, false, BedrockWire.invalid(deployment, "a ConverseStream event that is not JSON"));
            }
            String event = header(message, ":event-type");
            switch (event == null ? "" : event) {
                case "messageStart" -> chunks.add(chunk(mapper.createObjectNode().put("role", "assistant").put("content", ""), null));
                case "contentBlockStart" -> blockStart(payload.path("contentBlockIndex").asInt(), payload.path("start"), chunks);
                case "contentBlockDelta" -> blockDelta(payload.path("contentBlockIndex").asInt(), payload.path("delta"), chunks);
                case "messageStop" -> {
                    stopped = true;
                    JsonNode reason = payload.path("stopReason");
                    String stop = reason.isTextual() ? reason.asText() : null;
                    chunks.add(chunk(mapper.createObjectNode(),
                            answerTool != null && "tool_use".equals(stop) ? "stop" : BedrockWire.finishReason(stop)));
                }
                case "metadata" -> {
                    usage = BedrockWire.usage(payload.get("usage"));
                    reported = usage;
                    ObjectNode last = chunk();
                    last.putArray("choices");
                    BedrockWire.putUsage(last, usage);
                    chunks.add(last);
                    done = stopped;
                }
                default -> {
                    // contentBlockStop, and event types added to the API later
                }
            }
        }
        decoded.clear();
        if (broken != null && !done) {
            failed = true;
            return StreamOutput.trees(chunks, reported, false, broken);
        }
        if (endOfStream && stopped && !done) {
            // the message was complete; only its metadata (usage) is missing
            done = true;
        }
        return StreamOutput.trees(chunks, reported, done, null);
    }

    private void blockStart(int index, JsonNode start, List<ObjectNode> chunks) {
        JsonNode toolUse = start.path("toolUse");
        if (!toolUse.isObject()) {
            return;
        }
        if (answerTool != null) {
            if (answerTool.equals(toolUse.path("name").asText())) {
                answerBlock = index;
            }
            return;
        }
        int call = toolCalls.size();
        toolCalls.put(index, call);
        ObjectNode delta = mapper.createObjectNode();
        ObjectNode toolCall = delta.putArray("tool_calls").addObject();
        toolCall.put("index", call);
        toolCall.put("id", toolUse.path("toolUseId").asText());
        toolCall.put("type", "function");
        toolCall.putObject("function").put("name", toolUse.path("name").asText()).put("arguments", "");
        chunks.add(chunk(delta, null));
    }

    private void blockDelta(int index, JsonNode delta, List<ObjectNode> chunks) {
        if (answerTool != null) {
            JsonNode input = delta.path("toolUse").path("input");
            if (index == answerBlock && input.isTextual() && !input.asText().isEmpty()) {
                chunks.add(chunk(mapper.createObjectNode().set("content", TextNode.valueOf(input.asText())), null));
            }
            return;
        }
        if (delta.path("text").isTextual()) {
            String text = delta.get("text").asText();
            if (!text.isEmpty()) {
                chunks.add(chunk(mapper.createObjectNode().set("content", TextNode.valueOf(text)), null));
            }
            return;
        }
        JsonNode input = delta.path("toolUse").path("input");
        Integer call = toolCalls.get(index);
        if (call != null && input.isTextual() && !input.asText().isEmpty()) {
            ObjectNode d = mapper.createObjectNode();
            ObjectNode toolCall = d.putArray("tool_calls").addObject();
            toolCall.put("index", call);
            toolCall.putObject("function").put("arguments", input.asText());
            chunks.add(chunk(d, null));
        }
        // reasoningContent and citation deltas are not part of chat completions
    }

    /** The text of an {@code exception} or {@code error} message: its type and message. */
    private String exception(Message message) {
        String type = header(message, ":exception-type");
        if (type == null) {
            type = header(message, ":error-code");
        }
        String text = header(message, ":error-message");
        JsonNode payload = ProviderBodies.parse(mapper, message.getPayload());
        if (text == null && payload != null && payload.path("message").isTextual()) {
            text = payload.get("message").asText();
        } else if (text == null && payload != null && payload.path("Message").isTextual()) {
            text = payload.get("Message").asText();
        }
        return type == null ? text : text == null ? type : type + ": " + text;
    }

    private static String header(Message message, String name) {
        HeaderValue value = message.getHeaders().get(name);
        return value == null || value.getType() != HeaderType.STRING ? null : value.getString();
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        return ProviderBodies.withChoice(chunk(), 0, delta, finishReason);
    }

    /** A chunk with OpenAI's common fields: {@code id}, {@code object}, {@code created}, {@code model}. */
    private ObjectNode chunk() {
        if (created == 0) {
            created = ProviderBodies.now();
        }
        return ProviderBodies.chunk(mapper, id == null ? "chatcmpl-bedrock" : id, created, alias);
    }
}
