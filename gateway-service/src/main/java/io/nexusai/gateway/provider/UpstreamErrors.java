package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * How upstream failures look to the client, all in one place: error responses of providers, connections that
 * fail or stay silent, timeouts, and the end of failover. Client-side errors the provider found in the request
 * (400, 404, 413, 422) pass through with the provider's message; a provider refusing our credentials (401/403) is
 * our configuration problem (502); 429 keeps its Retry-After; 5xx becomes 502; a provider that cannot be reached
 * is 502, one that does not answer in time 504.
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

    /** A provider that could not be reached, or closed the connection, or failed to answer in time. */
    public static ApiException connectionFailure(String provider, Throwable failure) {
        if (failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException
                || failure.getClass().getSimpleName().contains("Timeout")) {
            return firstByteTimeout(provider);
        }
        String why = failure instanceof ConnectException || failure.getCause() instanceof ConnectException
                ? "could not be reached" : "closed the connection";
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' " + why + ".",
                null, "upstream_unreachable", List.of(), null);
    }

    /** The provider did not answer (its response head) within the first-byte timeout, or not at all. */
    public static ApiException firstByteTimeout(String provider) {
        return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' did not answer in time.",
                null, "upstream_timeout", List.of(), null);
    }

    /** The provider went silent for longer than the idle timeout while sending its response. */
    public static ApiException idleTimeout(String provider, long idleTimeoutMs) {
        return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' went silent for more than "
                + idleTimeoutMs + " ms during the response.", null, "upstream_timeout", List.of(), null);
    }

    /** A stream that had started ran past the request's total timeout. */
    public static ApiException streamTotalTimeout(long totalTimeoutMs) {
        return new ApiException(504, ErrorType.TIMEOUT.wire(), "The stream exceeded the total timeout of " + totalTimeoutMs + " ms.",
                null, "timeout", List.of(), null);
    }

    /** No provider answered before the request's total timeout. */
    public static ApiException totalTimeout(String alias, long totalTimeoutMs, int attempts) {
        return new ApiException(504, ErrorType.TIMEOUT.wire(), "No provider answered `" + alias + "` within " + totalTimeoutMs
                + " ms (" + attempts + " attempts).", null, "timeout", List.of(), null);
    }

    /** The deployment's circuit breaker refused the attempt. */
    public static ApiException breakerOpen(String provider) {
        return ApiException.unavailable("The provider '" + provider + "' is failing; its circuit breaker is open.");
    }

    /**
     * Every candidate was tried or unusable: the last provider error when there was a single attempt (or the last
     * was a 429), 503 {@code all_deployments_failed} after several, 429 {@code deployment_rate_limited} when only
     * local rate limits stood in the way, 503 when only open breakers did.
     *
     * @param last the last attempt's error, or {@code null} when no attempt was made
     */
    public static ApiException exhausted(String alias, int attempts, ApiException last, boolean rateLimitedLocally) {
        if (last == null && rateLimitedLocally) {
            return new ApiException(429, ErrorType.RATE_LIMIT.wire(), "Every deployment of `" + alias
                    + "` is at its request rate limit.", null, "deployment_rate_limited", List.of(), 1L);
        }
        if (last == null) {
            return ApiException.unavailable("No deployment of `" + alias + "` can take requests right now: "
                    + "their circuit breakers are open.");
        }
        if (attempts <= 1 || last.status() == 429) {
            return last;
        }
        return new ApiException(503, ErrorType.UNAVAILABLE.wire(), "No deployment of `" + alias + "` could serve the request ("
                + attempts + " attempts). Last error: " + last.getMessage(), null, "all_deployments_failed",
                List.of(), last.retryAfterSeconds());
    }

    /** Whether an upstream error status is the provider's failure (counts against its breaker, fails over). */
    public static boolean isProviderFailure(int status) {
        return status >= 500 || status == 408;
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
