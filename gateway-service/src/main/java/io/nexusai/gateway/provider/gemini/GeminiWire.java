package io.nexusai.gateway.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ProviderBodies;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the Gemini translator and its stream share: the {@code generateContent} URLs, finish-reason and usage
 * mapping, the schema keywords Gemini refuses, and the Google error envelope.
 */
final class GeminiWire {
    static final String DEFAULT_API_VERSION = "v1beta";
    /**
     * JSON Schema keywords of OpenAI tool parameters and {@code json_schema} formats that Gemini's OpenAPI-subset
     * {@code Schema} (tool {@code parameters}, {@code responseSchema}) does not have; it answers 400
     * "Unknown name" for them, so they are dropped.
     */
    private static final Set<String> UNSUPPORTED_SCHEMA_KEYWORDS = Set.of("additionalProperties", "$schema", "strict", "$id",
            "$comment");
    /** Finish reasons that mean the content was withheld, OpenAI's {@code content_filter}. */
    private static final Set<String> FILTERED = Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
            "IMAGE_SAFETY", "LANGUAGE");

    private GeminiWire() {
    }

    /**
     * {@code <endpoint>/<version>/models/<model>:generateContent}, or {@code :streamGenerateContent?alt=sse} for a
     * stream. The version is {@value #DEFAULT_API_VERSION} unless the endpoint already ends with one
     * ({@code /v1}, {@code /v1beta}) or the provider setting {@code api_version} names another.
     */
    static String url(Deployment deployment, boolean stream) {
        String base = deployment.endpoint();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String last = base.substring(base.lastIndexOf('/') + 1);
        if (!last.matches("v\\d+(alpha|beta)?\\d*")) {
            base = base + "/" + deployment.settings().getOrDefault("api_version", DEFAULT_API_VERSION);
        }
        return base + "/models/" + deployment.realModel() + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    }

    /** Gemini's {@code finishReason} as OpenAI's {@code finish_reason}; {@code toolCalls} when the candidate called. */
    static String finishReason(String reason, boolean toolCalls) {
        if (reason == null || reason.isEmpty()) {
            return toolCalls ? "tool_calls" : "stop";
        }
        if (reason.equals("MAX_TOKENS")) {
            return "length";
        }
        if (FILTERED.contains(reason)) {
            return "content_filter";
        }
        return toolCalls ? "tool_calls" : "stop"; // STOP, MALFORMED_FUNCTION_CALL, OTHER and reasons added later
    }

    /**
     * Tokens of {@code usageMetadata}: the prompt ({@code promptTokenCount}, cached tokens included, plus
     * {@code toolUsePromptTokenCount}) and the completion ({@code candidatesTokenCount} + {@code thoughtsTokenCount},
     * as OpenAI counts reasoning among completion tokens); of the prompt, {@code cachedContentTokenCount} read from
     * the context cache (priced at the cached-input rate), of the completion the thoughts as reasoning tokens.
     */
    static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long thoughts = usage.path("thoughtsTokenCount").asLong();
        return new TokenUsage(usage.path("promptTokenCount").asLong() + usage.path("toolUsePromptTokenCount").asLong(),
                usage.path("candidatesTokenCount").asLong() + thoughts, usage.path("cachedContentTokenCount").asLong(), 0,
                thoughts, false);
    }

    /**
     * Puts OpenAI's {@code usage} on a response or chunk, with {@code prompt_tokens_details.cached_tokens} and
     * {@code completion_tokens_details.reasoning_tokens} when Gemini reported cached content or thoughts.
     */
    static void putUsage(ObjectNode target, JsonNode metadata) {
        TokenUsage usage = usage(metadata);
        if (usage == null) {
            usage = TokenUsage.NONE;
        }
        ObjectNode u = target.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        if (metadata != null && metadata.path("cachedContentTokenCount").isNumber()) {
            u.putObject("prompt_tokens_details").put("cached_tokens", metadata.get("cachedContentTokenCount").asLong());
        }
        if (metadata != null && metadata.path("thoughtsTokenCount").isNumber()) {
            u.putObject("completion_tokens_details").put("reasoning_tokens", metadata.get("thoughtsTokenCount").asLong());
        }
    }

    /** A copy of a JSON Schema without the keywords Gemini refuses, at any depth (property names are kept). */
    static JsonNode schema(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return schema;
        }
        ObjectNode out = schema.deepCopy();
        strip(out);
        return out;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ArrayNode array) {
            array.forEach(GeminiWire::strip);
            return;
        }
        if (!(node instanceof ObjectNode schema)) {
            return;
        }
        schema.remove(UNSUPPORTED_SCHEMA_KEYWORDS);
        schema.properties().forEach(field -> {
            JsonNode value = field.getValue();
            if (field.getKey().equals("properties") || field.getKey().equals("$defs") || field.getKey().equals("definitions")) {
                value.forEach(GeminiWire::strip); // a map of name → schema: names are data, not keywords
            } else if (field.getKey().equals("enum") || field.getKey().equals("required") || field.getKey().equals("default")
                    || field.getKey().equals("example") || field.getKey().equals("const")) {
                // values, not schemas
            } else {
                strip(value);
            }
        });
    }

    /**
     * Google's {@code {"error":{"code","message","status"}}} envelope, normalised. A request error the client can
     * fix keeps Google's {@code status} as its code ({@code invalid_argument}, ...); a 429 without
     * {@code Retry-After} takes the wait from the {@code RetryInfo} detail's {@code retryDelay} ({@code "31s"}).
     * Google answers a wrong API key with 400 (reason {@code API_KEY_INVALID}): that is the gateway's credentials
     * failing, not the client's request, so it is treated as a 401.
     */
    static ApiException error(ObjectMapper mapper, Deployment deployment, int status, Buffer body, MultiMap headers) {
        ObjectNode json = ProviderBodies.parseObject(mapper, body.getBytes());
        JsonNode error = json == null ? mapper.missingNode() : json.path("error");
        if (status == 400 && hasReason(error.path("details"), "API_KEY_INVALID")) {
            status = 401;
        }
        ApiException normalised = UpstreamErrors.from(mapper, deployment.providerName(), status, body, headers, "/error/message");
        if (normalised.status() == 429 && normalised.retryAfterSeconds() == null) {
            Long delay = retryDelay(error.path("details"));
            return delay == null ? normalised : new ApiException(429, normalised.type(), normalised.getMessage(), null,
                    normalised.code(), List.of(), delay);
        }
        if (normalised.status() != status || status >= 500 || status == 429 || !error.path("status").isTextual()) {
            return normalised;
        }
        return new ApiException(status, ErrorType.INVALID_REQUEST.wire(), normalised.getMessage(), null,
                error.get("status").asText().toLowerCase(Locale.ROOT), List.of(), null);
    }

    private static boolean hasReason(JsonNode details, String reason) {
        for (JsonNode detail : details) {
            if (reason.equals(detail.path("reason").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Whole seconds (rounded up) of a {@code google.rpc.RetryInfo} detail's {@code retryDelay}, or {@code null}. */
    private static Long retryDelay(JsonNode details) {
        for (JsonNode detail : details) {
            String delay = detail.path("retryDelay").asText("");
            if (delay.matches("\\d{1,6}(\\.\\d+)?s")) {
                return (long) Math.ceil(Double.parseDouble(delay.substring(0, delay.length() - 1)));
            }
        }
        return null;
    }

    static ApiException invalid(Deployment deployment) {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with a body that is not a valid generateContent response.", null,
                "upstream_invalid_response", List.of(), null);
    }
}
