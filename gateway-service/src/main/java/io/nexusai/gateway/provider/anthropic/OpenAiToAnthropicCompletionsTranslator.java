package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
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
 * Legacy OpenAI completions to the Anthropic Messages API: the prompt (a string, or an array of strings joined
 * with {@code \n}) becomes one user message; {@code max_tokens}, {@code stop}, {@code temperature} (clamped to
 * 0..1), {@code top_p}, {@code user} and {@code stream} are mapped as for chat; {@code n > 1} and token-array
 * prompts are refused; {@code echo}, {@code suffix}, {@code best_of}, {@code logprobs}, {@code logit_bias},
 * {@code seed} and the penalties have no Anthropic counterpart and are dropped. Responses and stream chunks come
 * back as {@code text_completion} objects with the alias as {@code model}; a stream always ends with a
 * usage-only chunk.
 *
 * <p>One instance per request: it keeps the stream state and is never shared.
 */
public final class OpenAiToAnthropicCompletionsTranslator implements Translator {
    private static final String API = "completions";

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final AnthropicEventStream events;

    public OpenAiToAnthropicCompletionsTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.events = new AnthropicEventStream(mapper, deployment, alias, "cmpl-", "text_completion", API, new CompletionSink());
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode out = AnthropicWire.messagesRequest(mapper, deployment, clientBody);
        ObjectNode user = out.putArray("messages").addObject();
        user.put("role", "user");
        user.put("content", prompt(clientBody.get("prompt")));
        AnthropicWire.sampling(clientBody, out, stream);
        return AnthropicWire.upstream(mapper, deployment, out);
    }

    private static String prompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw ApiException.badRequest("Missing required parameter: 'prompt'.", "prompt");
        }
        if (prompt.isTextual()) {
            return prompt.asText();
        }
        List<String> parts = new ArrayList<>(prompt.size());
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode part = prompt.get(i);
            if (!part.isTextual()) {
                throw ApiException.badRequest("Invalid 'prompt[" + i + "]': this model takes text prompts, not token arrays.",
                        "prompt");
            }
            parts.add(part.asText());
        }
        return String.join("\n", parts);
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode message = AnthropicWire.parseMessage(mapper, deployment, body, API);
        ObjectNode out = mapper.createObjectNode();
        out.put("id", "cmpl-" + message.path("id").asText());
        out.put("object", "text_completion");
        out.put("created", AnthropicWire.now());
        out.put("model", alias);
        String text = AnthropicWire.text(message);
        JsonNode stopReason = message.path("stop_reason");
        out.putArray("choices").add(choice(text == null ? "" : text, finishReason(stopReason.isTextual() ? stopReason.asText() : null)));
        TokenUsage usage = AnthropicWire.usage(message);
        AnthropicWire.putUsage(out, usage);
        return new Translated(out, usage);
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return events.feed(piece, endOfStream);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return AnthropicWire.error(mapper, deployment, status, body, headers);
    }

    /** Completions know {@code stop}, {@code length} and {@code content_filter} only (no tool calls). */
    private static String finishReason(String stopReason) {
        String reason = AnthropicWire.finishReason(stopReason);
        return reason.equals("tool_calls") ? "stop" : reason;
    }

    private ObjectNode choice(String text, String finishReason) {
        ObjectNode choice = mapper.createObjectNode();
        choice.put("text", text);
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /** Anthropic text events as {@code text_completion} chunks. */
    private final class CompletionSink implements AnthropicEventStream.Sink {
        @Override
        public void messageStart(List<ObjectNode> out) {
            // completions streams have no role chunk
        }

        @Override
        public void blockStart(int index, JsonNode block, List<ObjectNode> out) {
            if ("text".equals(block.path("type").asText()) && !block.path("text").asText().isEmpty()) {
                out.add(chunk(block.path("text").asText(), null));
            }
        }

        @Override
        public void blockDelta(int index, JsonNode delta, List<ObjectNode> out) {
            if ("text_delta".equals(delta.path("type").asText()) && !delta.path("text").asText().isEmpty()) {
                out.add(chunk(delta.path("text").asText(), null));
            }
        }

        @Override
        public void messageDelta(String stopReason, List<ObjectNode> out) {
            out.add(chunk("", finishReason(stopReason)));
        }

        private ObjectNode chunk(String text, String finishReason) {
            ObjectNode chunk = events.chunk();
            chunk.putArray("choices").add(choice(text, finishReason));
            return chunk;
        }
    }
}
