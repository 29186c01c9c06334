package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What the OpenAI → Anthropic translators share: the Messages API URL and version header, the sampling
 * parameters both OpenAI APIs have, stop-reason and usage mapping, parsing a whole Messages response and the
 * error envelope.
 */
final class AnthropicWire {
    static final String DEFAULT_VERSION = "2023-06-01";
    static final int DEFAULT_MAX_TOKENS = 4096;

    private AnthropicWire() {
    }

    /** The Messages API request: {@code <endpoint>/v1/messages} with the {@code anthropic-version} header. */
    static UpstreamRequest upstream(ObjectMapper mapper, Deployment deployment, ObjectNode body) {
        String base = deployment.endpoint();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String version = deployment.settings().getOrDefault("anthropic_version", DEFAULT_VERSION);
        return new UpstreamRequest(base + "/v1/messages", bytes(mapper, body), Map.of("anthropic-version", version));
    }

    /**
     * A new Messages request with the model and the parameters common to chat and legacy completions:
     * {@code max_tokens}, {@code stop}, {@code temperature} (clamped to Anthropic's 0..1), {@code top_p},
     * {@code user}, {@code stream}. Refuses {@code n > 1}: Anthropic returns exactly one choice.
     */
    static ObjectNode messagesRequest(ObjectMapper mapper, Deployment deployment, ObjectNode client) {
        JsonNode n = client.get("n");
        if (n != null && n.isNumber() && n.asLong() > 1) {
            throw ApiException.badRequest("Invalid 'n': this model returns exactly one choice, so 'n' must be 1.", "n");
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("model", deployment.realModel());
        out.put("max_tokens", maxTokens(deployment, client));
        return out;
    }

    /** Adds the sampling parameters after {@code messages} (and {@code system}) so the body reads naturally. */
    static void sampling(ObjectNode client, ObjectNode out, boolean stream) {
        JsonNode stop = client.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            ArrayNode sequences = out.putArray("stop_sequences");
            stop.forEach(s -> sequences.add(s.asText()));
        }
        JsonNode temperature = client.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            out.put("temperature", Math.max(0.0, Math.min(1.0, temperature.asDouble())));
        }
        JsonNode topP = client.get("top_p");
        if (topP != null && topP.isNumber()) {
            out.set("top_p", topP);
        }
        JsonNode user = client.get("user");
        if (user != null && user.isTextual() && !user.asText().isEmpty()) {
            out.putObject("metadata").put("user_id", user.asText());
        }
        if (stream) {
            out.put("stream", true);
        }
    }

    private static long maxTokens(Deployment deployment, ObjectNode client) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode v = client.get(field);
            if (v != null && v.isIntegralNumber() && v.asLong() > 0) {
                return v.asLong();
            }
        }
        String configured = deployment.settings().get("default_max_tokens");
        if (configured != null) {
            try {
                long value = Long.parseLong(configured.trim());
                if (value > 0) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // a bad setting falls back to the built-in default
            }
        }
        return DEFAULT_MAX_TOKENS;
    }

    /** Anthropic's {@code stop_reason} as an OpenAI chat {@code finish_reason}. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn and any future reason
        };
    }

    /**
     * Input tokens as OpenAI counts them: Anthropic's {@code input_tokens} excludes the cache reads and writes,
     * OpenAI's {@code prompt_tokens} includes them (and the usage the gateway reports says how many were cache
     * reads, in {@code prompt_tokens_details.cached_tokens}).
     */
    static long promptTokens(JsonNode usage) {
        return usage.path("input_tokens").asLong() + usage.path("cache_creation_input_tokens").asLong()
                + usage.path("cache_read_input_tokens").asLong();
    }

    /** Puts OpenAI's {@code usage} object on a response or chunk. */
    static void putUsage(ObjectNode target, TokenUsage usage) {
        ObjectNode u = target.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        if (usage.cachedTokens() > 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        }
    }

    /** A whole Messages response, or a 502 when it is not one. */
    static ObjectNode parseMessage(ObjectMapper mapper, Deployment deployment, Buffer body, String api) {
        ObjectNode message = parseObject(mapper, body.getBytes());
        if (message == null || !message.path("content").isArray()) {
            throw invalid(deployment, api);
        }
        return message;
    }

    static TokenUsage usage(JsonNode message) {
        JsonNode usage = message.path("usage");
        if (!usage.isObject()) {
            return TokenUsage.NONE;
        }
        return new TokenUsage(promptTokens(usage), usage.path("output_tokens").asLong(),
                usage.path("cache_read_input_tokens").asLong(), usage.path("cache_creation_input_tokens").asLong(), 0, false);
    }

    /** The text blocks of a Messages response, joined; {@code null} when there are none. */
    static String text(JsonNode message) {
        StringBuilder text = null;
        for (JsonNode block : message.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                if (text == null) {
                    text = new StringBuilder();
                }
                text.append(block.path("text").asText());
            }
        }
        return text == null ? null : text.toString();
    }

    /** Anthropic's {@code {"type":"error","error":{"type","message"}}} envelope, normalised. */
    static ApiException error(ObjectMapper mapper, Deployment deployment, int status, Buffer body, MultiMap headers) {
        return UpstreamErrors.from(mapper, deployment.providerName(), status, body, headers, "/error/message");
    }

    static ApiException invalid(Deployment deployment, String api) {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with a body that is not a valid " + api + " response.", null,
                "upstream_invalid_response", List.of(), null);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static Buffer bytes(ObjectMapper mapper, JsonNode node) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    static ObjectNode parseObject(ObjectMapper mapper, byte[] bytes) {
        try {
            return mapper.readTree(bytes) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }
}
