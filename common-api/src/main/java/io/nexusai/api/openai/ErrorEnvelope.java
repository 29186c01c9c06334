package io.nexusai.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * OpenAI's error body: {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}.
 * {@code param} and {@code code} are always present, {@code null} when they do not apply, as OpenAI sends them.
 */
public record ErrorEnvelope(Body error) {

    /** The inner object of the envelope. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Body(String message, String type, String param, String code) {
    }

    public static ErrorEnvelope of(ErrorType type, String message, String param, String code) {
        return new ErrorEnvelope(new Body(message, type.wire(), param, code));
    }

    public static ErrorEnvelope of(String type, String message, String param, String code) {
        return new ErrorEnvelope(new Body(message, type, param, code));
    }

    /**
     * Writes the envelope as JSON without a JSON library, for hot paths and last-resort handlers
     * that must not fail while reporting a failure.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder(96 + (error.message() == null ? 0 : error.message().length()));
        sb.append("{\"error\":{\"message\":");
        Json.appendString(sb, error.message());
        sb.append(",\"type\":");
        Json.appendString(sb, error.type());
        sb.append(",\"param\":");
        Json.appendString(sb, error.param());
        sb.append(",\"code\":");
        Json.appendString(sb, error.code());
        return sb.append("}}").toString();
    }
}
