package io.nexusai.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ProviderBodies;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the Bedrock translator and its stream share: the Converse URLs, stop-reason and usage mapping, and
 * Bedrock's errors ({@code x-amzn-ErrorType} and a {@code {"message"}} body).
 */
final class BedrockWire {
    /** Content type of ConverseStream answers: AWS's binary event stream. */
    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private BedrockWire() {
    }

    /**
     * {@code <endpoint>/model/<model id>/converse}, or {@code /converse-stream}: the model id (a model or inference
     * profile id, or an ARN) is one path segment, so its {@code :} and {@code /} are percent-encoded.
     */
    static String url(Deployment deployment, boolean stream) {
        String base = deployment.endpoint();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String model = URLEncoder.encode(deployment.realModel(), StandardCharsets.UTF_8).replace("+", "%20");
        return base + "/model/" + model + (stream ? "/converse-stream" : "/converse");
    }

    /** Bedrock's {@code stopReason} as OpenAI's {@code finish_reason}. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence and reasons added later
        };
    }

    /**
     * Tokens of a Converse {@code usage}: {@code inputTokens} leaves out the prompt-cache reads and writes, which
     * OpenAI's {@code prompt_tokens} includes, so they are added; of the prompt, {@code cacheReadInputTokens} were
     * read from the cache and {@code cacheWriteInputTokens} written to it (each priced at its own rate).
     */
    static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long read = usage.path("cacheReadInputTokens").asLong();
        long written = usage.path("cacheWriteInputTokens").asLong();
        return new TokenUsage(usage.path("inputTokens").asLong() + read + written, usage.path("outputTokens").asLong(), read, written,
                0, false);
    }

    /** Puts OpenAI's {@code usage} on a response or chunk, with {@code prompt_tokens_details.cached_tokens} for cache reads. */
    static void putUsage(ObjectNode target, TokenUsage usage) {
        TokenUsage u = usage == null ? TokenUsage.NONE : usage;
        ObjectNode out = target.putObject("usage");
        out.put("prompt_tokens", u.promptTokens());
        out.put("completion_tokens", u.completionTokens());
        out.put("total_tokens", u.totalTokens());
        if (u.cachedTokens() > 0) {
            out.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        }
    }

    /**
     * A Bedrock error answer, normalised. Its type comes from {@code x-amzn-ErrorType} ({@code ThrottlingException:http://...})
     * or the body's {@code __type}; its text from the body's {@code message} (or {@code Message}). Credentials Bedrock
     * refuses ({@code UnrecognizedClientException}, {@code InvalidSignatureException}, {@code ExpiredTokenException},
     * {@code AccessDeniedException}: the provider's AWS keys, region or IAM permissions) are the gateway's configuration
     * failing, not the client's request: 502 {@code upstream_auth_failed}. {@code ModelNotReadyException} (a 429 at
     * AWS) is 503, {@code ModelTimeoutException} 504, {@code ServiceQuotaExceededException} 429; the rest follows the
     * status ({@link UpstreamErrors#from}): {@code ValidationException} 400 with Bedrock's message,
     * {@code ThrottlingException} 429, {@code ServiceUnavailableException} 503, others 502.
     */
    static ApiException error(ObjectMapper mapper, Deployment deployment, int status, Buffer body, MultiMap headers) {
        JsonNode json = ProviderBodies.parse(mapper, body.getBytes());
        String type = errorType(headers == null ? null : headers.get("x-amzn-ErrorType"), json);
        String message = json == null ? null : json.path("message").isTextual() ? json.get("message").asText()
                : json.path("Message").isTextual() ? json.get("Message").asText() : null;
        String provider = deployment.providerName();
        String said = message == null ? "" : " Provider said: " + message;
        if (type != null) {
            switch (type) {
                case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "AccessDeniedException",
                     "IncompleteSignatureException", "MissingAuthenticationTokenException" -> {
                    return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' (AWS Bedrock) refused "
                            + "the gateway's AWS credentials (" + type + "): check the provider's access key, secret, session token, "
                            + "region and IAM permissions for model '" + deployment.realModel() + "'." + said, null,
                            "upstream_auth_failed", List.of(), null);
                }
                case "ModelNotReadyException" -> {
                    return new ApiException(503, ErrorType.UNAVAILABLE.wire(), "The provider '" + provider + "' is not ready to "
                            + "serve the model yet." + said, null, "upstream_unavailable", List.of(), null);
                }
                case "ModelTimeoutException" -> {
                    return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' timed out while the "
                            + "model was generating." + said, null, "upstream_timeout", List.of(), null);
                }
                case "ServiceQuotaExceededException" -> {
                    return new ApiException(429, ErrorType.RATE_LIMIT.wire(), "The provider '" + provider + "' is over its AWS "
                            + "service quota." + said, null, "upstream_rate_limited", List.of(), null);
                }
                default -> {
                    // the status says enough
                }
            }
        }
        return UpstreamErrors.from(mapper, provider, status, body, headers, json != null && json.has("Message") ? "/Message" : "/message");
    }

    /** {@code ThrottlingException} from {@code ThrottlingException:http://internal...} or {@code com.amazon...#ThrottlingException}. */
    static String errorType(String header, JsonNode json) {
        String raw = header != null && !header.isBlank() ? header
                : json != null && json.path("__type").isTextual() ? json.get("__type").asText() : null;
        if (raw == null) {
            return null;
        }
        int colon = raw.indexOf(':');
        if (colon >= 0) {
            raw = raw.substring(0, colon);
        }
        int hash = raw.lastIndexOf('#');
        return hash >= 0 ? raw.substring(hash + 1) : raw;
    }

    static ApiException invalid(Deployment deployment, String what) {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + deployment.providerName()
                + "' answered with " + what + ".", null, "upstream_invalid_response", List.of(), null);
    }
}
