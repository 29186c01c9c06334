package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.TokenUsage;

import java.io.IOException;

/**
 * A chat completion (any provider's, already in OpenAI's format with the alias as {@code model}) as an Anthropic
 * Messages response: {@code id} {@code msg_...}, {@code type: message}, {@code role: assistant}, content blocks
 * ({@code text}, then {@code tool_use} with the arguments parsed back into {@code input}), {@code stop_reason}
 * ({@code end_turn}, {@code max_tokens}, {@code stop_sequence}, {@code tool_use}, {@code refusal}) and
 * {@code usage} from the gateway's {@link TokenUsage} (Anthropic counts {@code input_tokens} without the cache
 * reads and writes, which it reports apart). Stateless; thread-safe.
 */
public final class ChatToMessagesResponse {
    private final ObjectMapper mapper;

    public ChatToMessagesResponse(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * @param chat          the chat completion
     * @param usage         its usage as the gateway metered it
     * @param stopSequences the request's {@code stop_sequences} (to name the one that matched, when the provider
     *                      says), or {@code null}
     */
    public ObjectNode toMessage(ObjectNode chat, TokenUsage usage, JsonNode stopSequences) {
        ObjectNode out = mapper.createObjectNode();
        out.put("id", messageId(chat.path("id").asText("")));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", chat.path("model").asText(""));
        ArrayNode content = out.putArray("content");
        JsonNode choice = chat.path("choices").path(0);
        JsonNode message = choice.path("message");
        JsonNode text = message.get("content");
        if (text != null && text.isTextual() && !text.asText().isEmpty()) {
            content.addObject().put("type", "text").put("text", text.asText());
        } else if (text != null && text.isArray()) {
            for (JsonNode part : text) {
                if (part.path("text").isTextual() && !part.get("text").asText().isEmpty()) {
                    content.addObject().put("type", "text").put("text", part.get("text").asText());
                }
            }
        }
        JsonNode refusal = message.get("refusal");
        if (refusal != null && refusal.isTextual() && !refusal.asText().isEmpty()) {
            content.addObject().put("type", "text").put("text", refusal.asText());
        }
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode block = content.addObject();
            block.put("type", "tool_use");
            block.put("id", call.path("id").asText(""));
            block.put("name", call.path("function").path("name").asText(""));
            block.set("input", input(call.path("function").path("arguments").asText("")));
        }
        StopReason stop = StopReason.of(choice.path("finish_reason").asText(null), choice.get("stop_reason"), stopSequences);
        out.put("stop_reason", stop.reason());
        if (stop.sequence() == null) {
            out.putNull("stop_sequence");
        } else {
            out.put("stop_sequence", stop.sequence());
        }
        out.set("usage", usage(mapper, usage));
        return out;
    }

    /** Tool call arguments as an {@code input} object; arguments that are not a JSON object become {@code {}}. */
    ObjectNode input(String arguments) {
        if (arguments.isBlank()) {
            return mapper.createObjectNode();
        }
        try {
            return mapper.readTree(arguments) instanceof ObjectNode o ? o : mapper.createObjectNode();
        } catch (IOException e) {
            return mapper.createObjectNode();
        }
    }

    /** Anthropic's usage object: {@code input_tokens} excludes the cache reads and writes. */
    static ObjectNode usage(ObjectMapper mapper, TokenUsage usage) {
        ObjectNode u = mapper.createObjectNode();
        u.put("input_tokens", Math.max(0, usage.promptTokens() - usage.cachedTokens() - usage.cacheWriteTokens()));
        u.put("cache_creation_input_tokens", usage.cacheWriteTokens());
        u.put("cache_read_input_tokens", usage.cachedTokens());
        u.put("output_tokens", usage.completionTokens());
        return u;
    }

    /** {@code msg_...} from a chat id: {@code chatcmpl-msg_01X} → {@code msg_01X}, {@code chatcmpl-abc} → {@code msg_abc}. */
    static String messageId(String chatId) {
        String id = chatId.startsWith("chatcmpl-") ? chatId.substring("chatcmpl-".length()) : chatId;
        if (id.isEmpty()) {
            id = Long.toHexString(System.nanoTime());
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }

    /** Anthropic's {@code stop_reason} and {@code stop_sequence} for a chat {@code finish_reason}. */
    record StopReason(String reason, String sequence) {
        static StopReason of(String finishReason, JsonNode providerStop, JsonNode stopSequences) {
            if (finishReason == null) {
                return new StopReason("end_turn", null);
            }
            return switch (finishReason) {
                case "length" -> new StopReason("max_tokens", null);
                case "tool_calls", "function_call" -> new StopReason("tool_use", null);
                case "content_filter" -> new StopReason("refusal", null);
                default -> {
                    // OpenAI does not say which stop sequence matched; vLLM and others put it in choice.stop_reason
                    if (providerStop != null && providerStop.isTextual() && stopSequences != null) {
                        for (JsonNode s : stopSequences) {
                            if (s.asText().equals(providerStop.asText())) {
                                yield new StopReason("stop_sequence", s.asText());
                            }
                        }
                    }
                    yield new StopReason("end_turn", null);
                }
            };
        }
    }
}
