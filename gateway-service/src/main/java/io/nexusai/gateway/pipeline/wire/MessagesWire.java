package io.nexusai.gateway.pipeline.wire;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.Json;
import io.vertx.core.buffer.Buffer;

/**
 * The Anthropic Messages API's wire: stream events named by their {@code type} ({@link TypedEventWire}), nothing
 * after {@code message_stop}, and errors in Anthropic's envelope {@code {"type":"error","error":{"type":...,
 * "message":...},"request_id":...}} (the id of {@code x-request-id}) with Anthropic's status codes, so the Anthropic
 * SDKs raise their typed exceptions. The gateway's failures (OpenAI's error types) are mapped here and nowhere else: 400 and the other 4xx Anthropic has no type for
 * → {@code invalid_request_error}, 401 → {@code authentication_error}, 403 → {@code permission_error}, 404 (an
 * unknown model included) → {@code not_found_error}, 413 → {@code request_too_large}, 429 (rate limits, quotas,
 * budgets) → {@code rate_limit_error}, 503 (load shed, no upstream available, provider overloaded) → 529
 * {@code overloaded_error}, every other 5xx → 500 {@code api_error}. The message is ours (never internals); a
 * {@code Retry-After} is the pipeline's business. A stream that fails after it started ends with
 * {@code event: error} carrying the same envelope (without the request id, as Anthropic's).
 */
public final class MessagesWire extends TypedEventWire {
    public static final MessagesWire INSTANCE = new MessagesWire();

    private MessagesWire() {
    }

    /** One Anthropic error: HTTP status and {@code error.type}. */
    public record Kind(int status, String type) {
    }

    /** Anthropic's status and error type for a gateway failure. */
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

    /** The envelope as JSON text; {@code requestId} (or {@code null}: none) as its {@code request_id}. */
    public static String envelope(ApiException e, String requestId) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"type\":\"error\",\"error\":{\"type\":");
        Json.appendString(sb, kind(e).type());
        sb.append(",\"message\":");
        Json.appendString(sb, e.getMessage() == null ? "The request failed." : e.getMessage());
        sb.append('}');
        if (requestId != null) {
            sb.append(",\"request_id\":");
            Json.appendString(sb, requestId);
        }
        return sb.append('}').toString();
    }

    @Override
    public int status(ApiException error) {
        return kind(error).status();
    }

    @Override
    public Buffer errorBody(ApiException error) {
        return Buffer.buffer(envelope(error, null));
    }

    @Override
    public Buffer errorBody(ApiException error, String requestId) {
        return Buffer.buffer(envelope(error, requestId));
    }

    @Override
    public Buffer streamError(ApiException error) {
        return event("error", envelope(error, null));
    }
}
