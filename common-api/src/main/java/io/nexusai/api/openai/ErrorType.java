package io.nexusai.api.openai;

/**
 * The {@code error.type} values NexusAI puts in OpenAI's error envelope, each with the HTTP status it
 * normally travels with. OpenAI clients branch on the HTTP status; the type is for humans and logs.
 */
public enum ErrorType {
    /** Malformed or invalid request (400), unknown model (404), wrong content type (415), body too large (413). */
    INVALID_REQUEST("invalid_request_error", 400),
    /** Missing, unknown, revoked or expired key (401). */
    AUTHENTICATION("authentication_error", 401),
    /** The key is valid but may not use this model or resource (403). */
    PERMISSION("permission_error", 403),
    /** The resource does not exist or is not visible to this key (404). */
    NOT_FOUND("not_found_error", 404),
    /** Too many requests or tokens for a rate limit (429). */
    RATE_LIMIT("rate_limit_error", 429),
    /** A quota or budget would be exceeded (429, code {@code insufficient_quota}). */
    INSUFFICIENT_QUOTA("insufficient_quota", 429),
    /** An upstream provider failed or answered something unusable (502). */
    UPSTREAM("upstream_error", 502),
    /** No upstream could take the request (503), or a dependency is unavailable. */
    UNAVAILABLE("service_unavailable", 503),
    /** An upstream did not answer in time (504). */
    TIMEOUT("timeout_error", 504),
    /** A NexusAI bug (500); the message never carries internals. */
    SERVER("server_error", 500);

    private final String wire;
    private final int defaultStatus;

    ErrorType(String wire, int defaultStatus) {
        this.wire = wire;
        this.defaultStatus = defaultStatus;
    }

    /** The value written as {@code error.type}. */
    public String wire() {
        return wire;
    }

    /** The HTTP status this type uses unless the caller says otherwise. */
    public int defaultStatus() {
        return defaultStatus;
    }
}
