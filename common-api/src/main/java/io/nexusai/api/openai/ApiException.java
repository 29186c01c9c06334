package io.nexusai.api.openai;

import java.util.List;

/**
 * The one failure type of NexusAI: carries the HTTP status and the OpenAI error it becomes. Thrown (or passed
 * to a failure callback) anywhere; translated to a response in exactly one place per service. Its message is
 * shown to the client, so it never contains secrets or internals. No stack trace is captured.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final List<ErrorEnvelope.FieldProblem> details;
    private final Long retryAfterSeconds;

    public ApiException(int status, ErrorType type, String message, String param, String code) {
        this(status, type.wire(), message, param, code, List.of(), null);
    }

    public ApiException(int status, String type, String message, String param, String code,
                        List<ErrorEnvelope.FieldProblem> details, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.details = details == null ? List.of() : List.copyOf(details);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String message, String param) {
        return new ApiException(400, ErrorType.INVALID_REQUEST, message, param, null);
    }

    public static ApiException invalid(List<ErrorEnvelope.FieldProblem> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size() == 1 ? "1 problem: " : problems.size() + " problems: ");
        for (int i = 0; i < problems.size(); i++) {
            ErrorEnvelope.FieldProblem p = problems.get(i);
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(p.param() == null || p.param().isEmpty() ? "" : p.param() + ": ").append(p.message());
        }
        return new ApiException(400, ErrorType.INVALID_REQUEST.wire(), sb.toString(),
                problems.isEmpty() ? null : problems.get(0).param(), "validation_failed", problems, null);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, ErrorType.AUTHENTICATION, message, null, "invalid_api_key");
    }

    public static ApiException forbidden(String message, String code) {
        return new ApiException(403, ErrorType.PERMISSION, message, null, code);
    }

    public static ApiException notFound(String message, String code) {
        return new ApiException(404, ErrorType.NOT_FOUND, message, null, code);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, ErrorType.INVALID_REQUEST,
                "The model `" + model + "` does not exist or you do not have access to it.", "model", "model_not_found");
    }

    public static ApiException conflict(String message, String param) {
        return new ApiException(409, ErrorType.INVALID_REQUEST, message, param, "conflict");
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, ErrorType.UNAVAILABLE, message, null, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for a {@code Retry-After} header, or {@code null}. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ErrorEnvelope toEnvelope() {
        return new ErrorEnvelope(new ErrorEnvelope.Body(getMessage(), type, param, code, details));
    }
}
