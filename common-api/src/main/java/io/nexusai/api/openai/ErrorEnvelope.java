package io.nexusai.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * OpenAI's error body: {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}.
 * {@code param} and {@code code} are always present, {@code null} when they do not apply, as OpenAI sends them.
 * Validation errors of our own admin API add {@code details}: every problem with its field path.
 */
public record ErrorEnvelope(Body error) {

    /** The inner object of the envelope. */
    public record Body(@JsonInclude(JsonInclude.Include.ALWAYS) String message,
                       @JsonInclude(JsonInclude.Include.ALWAYS) String type,
                       @JsonInclude(JsonInclude.Include.ALWAYS) String param,
                       @JsonInclude(JsonInclude.Include.ALWAYS) String code,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldProblem> details) {
        public Body(String message, String type, String param, String code) {
            this(message, type, param, code, List.of());
        }
    }

    /** One invalid field: its path (e.g. {@code models[2].alias}) and what is wrong with it. */
    public record FieldProblem(String param, String message) {
    }

    public static ErrorEnvelope of(ErrorType type, String message, String param, String code) {
        return new ErrorEnvelope(new Body(message, type.wire(), param, code));
    }

    public static ErrorEnvelope of(String type, String message, String param, String code) {
        return new ErrorEnvelope(new Body(message, type, param, code));
    }

    /**
     * Writes the envelope as JSON without a JSON library, for hot paths and last-resort handlers
     * that must not fail while reporting a failure. (Details are written by Jackson only.)
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
