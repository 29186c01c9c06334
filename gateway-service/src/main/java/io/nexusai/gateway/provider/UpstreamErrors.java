package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * How upstream failures look to the client. Client-side errors the provider found in the request (400, 404,
 * 413, 422) pass through with the provider's message; a provider refusing our credentials (401/403) is our
 * configuration problem (502); 429 keeps its Retry-After; 5xx becomes 502.
 */
public final class UpstreamErrors {
    private UpstreamErrors() {
    }

    /** Normalises an upstream error response whose body may carry a message at {@code messagePointer}. */
    public static ApiException from(ObjectMapper mapper, String provider, int status, Buffer body, MultiMap headers, String messagePointer) {
        String upstreamMessage = null;
        String upstreamType = null;
        String upstreamParam = null;
        String upstreamCode = null;
        try {
            JsonNode json = mapper.readTree(body.getBytes());
            if (json != null) {
                upstreamMessage = text(json.at(messagePointer));
                JsonNode error = json.path("error");
                upstreamType = text(error.path("type"));
                upstreamParam = text(error.path("param"));
                upstreamCode = text(error.path("code"));
            }
        } catch (Exception ignored) {
            // not JSON: keep the generic message
        }
        String detail = upstreamMessage == null ? "" : " Provider said: " + upstreamMessage;
        return switch (status) {
            case 400, 404, 409, 413, 422 -> new ApiException(status, upstreamType == null ? ErrorType.INVALID_REQUEST.wire() : upstreamType,
                    upstreamMessage == null ? "The provider rejected the request." : upstreamMessage, upstreamParam, upstreamCode,
                    List.of(), null);
            case 401, 403 -> new ApiException(502, ErrorType.UPSTREAM.wire(),
                    "The provider '" + provider + "' refused the gateway's credentials.", null, "upstream_auth_failed", List.of(), null);
            case 429 -> new ApiException(429, ErrorType.RATE_LIMIT.wire(),
                    "The provider '" + provider + "' is rate limiting requests." + detail, null, "upstream_rate_limited", List.of(),
                    retryAfter(headers));
            case 503, 529 -> new ApiException(503, ErrorType.UNAVAILABLE.wire(),
                    "The provider '" + provider + "' is overloaded or unavailable." + detail, null, "upstream_unavailable", List.of(),
                    retryAfter(headers));
            default -> new ApiException(502, ErrorType.UPSTREAM.wire(),
                    "The provider '" + provider + "' failed with HTTP " + status + "." + detail, null, "upstream_error", List.of(), null);
        };
    }

    /** An error the provider reported inside a stream that had already started. */
    public static ApiException midStream(String provider, String upstreamMessage) {
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' failed during the stream."
                + (upstreamMessage == null ? "" : " Provider said: " + upstreamMessage), null, "upstream_stream_error", List.of(), null);
    }

    private static Long retryAfter(MultiMap headers) {
        String value = headers == null ? null : headers.get("Retry-After");
        if (value != null && value.matches("\\d{1,6}")) {
            return Long.parseLong(value);
        }
        return null;
    }

    private static String text(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.asText();
    }
}
