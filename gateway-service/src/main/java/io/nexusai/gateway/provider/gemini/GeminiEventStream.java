package io.nexusai.gateway.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ProviderBodies;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.sse.SseDecoder;
import io.nexusai.gateway.provider.sse.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one {@code streamGenerateContent?alt=sse} stream incrementally into {@code chat.completion.chunk}s.
 * Each event is a whole {@code GenerateContentResponse} holding the next parts of each candidate: the first time
 * a candidate appears it gets the role chunk, its text parts become content deltas, its {@code functionCall}
 * parts (always whole in Gemini's stream) one tool call delta each, and its {@code finishReason} the chunk with
 * {@code finish_reason}. {@code usageMetadata} may come on several events; the last one counts.
 *
 * <p>Gemini has no end-of-stream event: the stream is complete when the connection ends after every candidate
 * seen has finished; the usage-only chunk ({@code "choices":[]}) is emitted then. A stream that ends earlier is
 * not {@code done}, which the gateway reports as cut. An {@code error} object inside the stream is a 502.
 * One instance per stream.
 */
final class GeminiEventStream {
    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final SseDecoder sse = new SseDecoder();
    /** Candidate index → tool calls emitted so far (the key is present once its role chunk went out). */
    private final Map<Integer, Integer> toolCalls = new HashMap<>();
    private final Map<Integer, Boolean> finished = new HashMap<>();
    private String responseId;
    private long created;
    private JsonNode usageMetadata;
    private boolean done;
    private boolean failed;

    GeminiEventStream(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
    }

    StreamOutput feed(Buffer piece, boolean endOfStream) {
        if (failed || done) {
            return StreamOutput.EMPTY;
        }
        List<SseEvent> events = sse.feed(piece);
        if (endOfStream) {
            events = new ArrayList<>(events);
            events.addAll(sse.finish());
        }
        List<ObjectNode> chunks = new ArrayList<>();
        TokenUsage usage = null;
        for (SseEvent event : events) {
            if (event.empty()) {
                continue;
            }
            ObjectNode data = ProviderBodies.parseObject(mapper, event.bytes());
            if (data == null) {
                failed = true;
                return StreamOutput.trees(chunks, usage, false, GeminiWire.invalid(deployment));
            }
            if (data.has("error")) {
                failed = true;
                JsonNode message = data.path("error").path("message");
                return StreamOutput.trees(chunks, usage, false, UpstreamErrors.midStream(deployment.providerName(),
                        message.isTextual() ? message.asText() : null));
            }
            if (responseId == null && data.path("responseId").isTextual()) {
                responseId = data.get("responseId").asText();
            }
            JsonNode candidates = data.path("candidates");
            for (int i = 0; i < candidates.size(); i++) {
                candidate(candidates.get(i), i, chunks);
            }
            if (data.path("usageMetadata").isObject()) {
                usageMetadata = data.get("usageMetadata");
                usage = GeminiWire.usage(usageMetadata);
            }
            if (candidates.isEmpty() && data.path("promptFeedback").path("blockReason").isTextual()) {
                // the prompt itself was blocked: one empty choice, filtered
                candidate(mapper.createObjectNode().put("finishReason", "PROHIBITED_CONTENT"), 0, chunks);
            }
        }
        if (endOfStream && !finished.isEmpty() && !finished.containsValue(false)) {
            ObjectNode last = chunk();
            last.putArray("choices");
            GeminiWire.putUsage(last, usageMetadata);
            chunks.add(last);
            done = true;
        }
        return StreamOutput.trees(chunks, usage, done, null);
    }

    private void candidate(JsonNode candidate, int position, List<ObjectNode> chunks) {
        int index = GeminiCandidates.index(candidate, position);
        if (!toolCalls.containsKey(index)) {
            toolCalls.put(index, 0);
            finished.put(index, false);
            ObjectNode delta = mapper.createObjectNode();
            delta.put("role", "assistant");
            delta.put("content", "");
            chunks.add(chunk(index, delta, null));
        }
        for (JsonNode part : GeminiCandidates.parts(mapper, candidate)) {
            if (GeminiCandidates.isText(part) && !part.get("text").asText().isEmpty()) {
                ObjectNode delta = mapper.createObjectNode();
                delta.set("content", TextNode.valueOf(part.get("text").asText()));
                chunks.add(chunk(index, delta, null));
            } else if (GeminiCandidates.isCall(part)) {
                int call = toolCalls.get(index);
                toolCalls.put(index, call + 1);
                ObjectNode toolCall = GeminiCandidates.toolCall(mapper, part, responseId, index, call);
                ObjectNode withIndex = mapper.createObjectNode().put("index", call);
                withIndex.setAll(toolCall);
                ObjectNode delta = mapper.createObjectNode();
                delta.putArray("tool_calls").add(withIndex);
                chunks.add(chunk(index, delta, null));
            }
        }
        JsonNode reason = candidate.path("finishReason");
        if (reason.isTextual() && !reason.asText().equals("FINISH_REASON_UNSPECIFIED") && !finished.get(index)) {
            finished.put(index, true);
            chunks.add(chunk(index, mapper.createObjectNode(), GeminiWire.finishReason(reason.asText(), toolCalls.get(index) > 0)));
        }
    }

    private ObjectNode chunk(int index, ObjectNode delta, String finishReason) {
        return ProviderBodies.withChoice(chunk(), index, delta, finishReason);
    }

    /** A chunk with OpenAI's common fields: {@code id}, {@code object}, {@code created}, {@code model}. */
    private ObjectNode chunk() {
        if (created == 0) {
            created = ProviderBodies.now();
        }
        return ProviderBodies.chunk(mapper, "chatcmpl-" + (responseId == null ? "gemini" : responseId), created, alias);
    }
}
