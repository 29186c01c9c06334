package io.nexusai.gateway.ingress.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

/**
 * How a gateway failure looks on the Anthropic Messages ingress: Anthropic's envelope
 * {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}} with Anthropic's status codes, so
 * the Anthropic SDKs raise their typed exceptions. Our {@link ApiException} (OpenAI's error types) is mapped here and
 * nowhere else: 400 and the other 4xx the API has no own type for → {@code invalid_request_error}, 401 →
 * {@code authentication_error}, 403 → {@code permission_error}, 404 (unknown model included) →
 * {@code not_found_error}, 413 → {@code request_too_large}, 429 (rate limits, quotas and budgets) →
 * {@code rate_limit_error}, 503 (shed load, no upstream available, provider overloaded) → 529
 * {@code overloaded_error}, every other 5xx → 500 {@code api_error}. The message is ours (it never carries
 * internals); a {@code Retry-After} stays with the exception for the writer.
 */
public final class MessagesErrors {
    private MessagesErrors() {
    }

    /** One Anthropic error: HTTP status and {@code error.type}. */
    public record Kind(int status, String type) {
    }

    /** The status and Anthropic error type for a gateway failure. */
    public static Kind kind(ApiException e) {
        int status = e.status();
        return switch (status) {
            case 401 -> new Kind(401, "authentication_error");
            case 403 -> new Kind(403, "permission_error");
            case 404 -> new Kind(404, "not_found_error");
            case 413 -> new Kind(413, "request_too_large");
            case 429 -> new Kind(429, "rate_limit_error");
            case 503, 529 -> new Kind(529, "overloaded_error");
            default -> status >= 500 ? new Kind(500, "api_error") : new Kind(status < 400 ? 400 : status, "invalid_request_error");
        };
    }

    /** The envelope of a response error ({@code requestId} may be {@code null}). */
    public static ObjectNode envelope(ObjectMapper mapper, ApiException e, String requestId) {
        ObjectNode out = event(mapper, e);
        if (requestId != null) {
            out.put("request_id", requestId);
        }
        return out;
    }

    /** The data of an {@code event: error} in a stream that had already started: the envelope without a request id. */
    public static ObjectNode event(ObjectMapper mapper, ApiException e) {
        ObjectNode out = mapper.createObjectNode();
        out.put("type", "error");
        ObjectNode error = out.putObject("error");
        error.put("type", kind(e).type());
        error.put("message", e.getMessage() == null ? "The request failed." : e.getMessage());
        return out;
    }
}
