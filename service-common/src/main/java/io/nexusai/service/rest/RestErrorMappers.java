package io.nexusai.service.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.service.db.DatabaseUnavailableException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.CharConversionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one place where a REST service turns failures into OpenAI's error envelope. Nothing else writes error
 * bodies; nothing here ever returns a stack trace or an internal message: the messages about unreadable bodies are
 * made here from the kind of failure, its position and its field path, never from the parser's own text. Only the
 * messages of our own code are passed on ({@link ApiException}, and {@link IllegalArgumentException}s thrown by
 * NexusAI classes, such as an unknown enum value in {@code fromWire}).
 */
public class RestErrorMappers {
    private static final Logger LOG = Logger.getLogger(RestErrorMappers.class);
    private static final String OUR_PACKAGES = "io.nexusai.";

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return response(e);
    }

    /** The answer to one of our failures: its status, its envelope, and {@code Retry-After} when it has one. */
    public static Response response(ApiException e) {
        Response.ResponseBuilder builder = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(e.toEnvelope());
        if (e.retryAfterSeconds() != null) {
            builder.header("Retry-After", e.retryAfterSeconds());
        }
        return builder.build();
    }

    /** Syntax errors ({@code JsonParseException}) and numbers out of range ({@code InputCoercionException}). */
    @ServerExceptionMapper
    public Response malformedJson(StreamReadException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response badJsonValue(JsonMappingException e) {
        return json(e);
    }

    /* The subtypes that quarkus-rest-jackson maps itself unless we name them. */

    @ServerExceptionMapper
    public Response mismatchedJson(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response invalidJsonFormat(com.fasterxml.jackson.databind.exc.InvalidFormatException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response unknownJsonField(com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
        return json(e);
    }

    /** While reading a body, e.g. a record Jackson cannot complete; while writing one, a bug of ours. */
    @ServerExceptionMapper
    public Response jsonDefinition(InvalidDefinitionException e) {
        return json(e);
    }

    /** Nesting depth, number length or string length beyond Jackson's stream limits. */
    @ServerExceptionMapper
    public Response jsonLimits(StreamConstraintsException e) {
        return json(e);
    }

    /** Bytes that are not text in the encoding Jackson detected (e.g. "UTF-32" that is not). */
    @ServerExceptionMapper
    public Response undecodableBody(CharConversionException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        List<ErrorEnvelope.FieldProblem> problems = new ArrayList<>();
        for (ConstraintViolation<?> v : e.getConstraintViolations()) {
            problems.add(new ErrorEnvelope.FieldProblem(JsonPaths.ofViolation(v.getPropertyPath()), v.getMessage()));
        }
        problems.sort(Comparator.comparing(ErrorEnvelope.FieldProblem::param));
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE).entity(ApiException.invalid(problems).toEnvelope()).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            Response response = readFailure(cause);
            if (response != null) {
                return response;
            }
        }
        return switch (status) {
            case 404 -> envelope(404, ErrorType.NOT_FOUND, "Not found.", null, "not_found");
            case 405 -> envelope(405, ErrorType.INVALID_REQUEST, "Method not allowed.", null, "method_not_allowed");
            case 406 -> envelope(406, ErrorType.INVALID_REQUEST, "Only application/json responses are available.", null, "not_acceptable");
            case 413 -> envelope(413, ErrorType.INVALID_REQUEST, "The request body is too large.", null, "request_too_large");
            case 415 -> envelope(415, ErrorType.INVALID_REQUEST, "Unsupported content type: send application/json.", null, "unsupported_media_type");
            case 400 -> envelope(400, ErrorType.INVALID_REQUEST, "Malformed request.", null, null);
            case 401 -> envelope(401, ErrorType.AUTHENTICATION, "Missing or invalid API key.", null, "invalid_api_key");
            case 403 -> envelope(403, ErrorType.PERMISSION, "Not allowed.", null, null);
            default -> {
                if (status >= 500) {
                    LOG.errorf(e, "request failed with %d", status);
                    yield envelope(status, ErrorType.SERVER, "Internal error.", null, null);
                }
                yield envelope(status, ErrorType.INVALID_REQUEST, "Request failed.", null, null);
            }
        };
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        return internalError(e);
    }

    /**
     * 500 with a generic message; the failure itself goes to the log only. A database outage that a library
     * (Hibernate Reactive, Mutiny) wrapped on its way here is still answered as the 503 it is, without a log line
     * (the bounded pool logs an outage once).
     */
    public static Response internalError(Throwable e) {
        DatabaseUnavailableException unavailable = DatabaseUnavailableException.in(e);
        if (unavailable != null) {
            return response(unavailable);
        }
        LOG.error("unexpected failure", e);
        return envelope(500, ErrorType.SERVER, "Internal error.", null, null);
    }

    /** A JSON failure: 400 when reading a request body, 500 when writing a response. */
    private static Response json(Throwable e) {
        Response response = readFailure(e);
        return response != null ? response : internalError(e);
    }

    /**
     * The answer to a failure while reading a request body, or {@code null} when {@code e} is something else. Shared
     * by the mappers above and by {@link #web} (Quarkus REST wraps some reading failures in a 400).
     */
    static Response readFailure(Throwable e) {
        if (e instanceof StreamConstraintsException) {
            return envelope(400, ErrorType.INVALID_REQUEST,
                    "The request body is nested too deeply, or holds a number or a string too long to read.", null, "invalid_json");
        }
        if (e instanceof CharConversionException) {
            return envelope(400, ErrorType.INVALID_REQUEST,
                    "The request body is not text in a Unicode encoding: send UTF-8 JSON.", null, "invalid_json");
        }
        if (e instanceof JsonProcessingException jpe && (jpe.getProcessor() instanceof JsonGenerator
                || e instanceof InvalidDefinitionException && !(jpe.getProcessor() instanceof JsonParser))) {
            return null; // not reading a body: writing a response, or a type Jackson cannot handle at all
        }
        if (e instanceof JsonMappingException jme) {
            return badValue(jme);
        }
        if (e instanceof StreamReadException sre) {
            return malformed(sre);
        }
        return null;
    }

    private static Response malformed(StreamReadException e) {
        String where = where(e.getLocation());
        if (e instanceof InputCoercionException) {
            return envelope(400, ErrorType.INVALID_REQUEST, "A number in the request body is out of range" + where + ".", null, "invalid_json");
        }
        return envelope(400, ErrorType.INVALID_REQUEST, "The request body is not valid JSON" + where + ".", null, "invalid_json");
    }

    /** A value of the wrong type or form, reported with its field path ({@code models[2].weight: expected integer}). */
    private static Response badValue(JsonMappingException e) {
        String reason = null;
        for (Throwable cause = e.getCause(); cause != null && reason == null; cause = cause.getCause()) {
            if (ours(cause)) {
                reason = cause.getMessage();
            } else if (cause instanceof InputCoercionException) {
                reason = "number out of range";
            } else if (cause instanceof StreamReadException || cause instanceof StreamConstraintsException
                    || cause instanceof CharConversionException) {
                return readFailure(cause); // the text itself is broken (e.g. a repeated key in a nested object)
            }
        }
        if (reason == null) {
            reason = JsonPaths.describe(e);
        }
        String path = JsonPaths.of(e.getPath());
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiException.invalid(List.of(new ErrorEnvelope.FieldProblem(path.isEmpty() ? null : path, reason))).toEnvelope())
                .build();
    }

    /** Whether the message of {@code t} is ours to show: our exception type, or an IllegalArgumentException thrown by our code. */
    private static boolean ours(Throwable t) {
        if (t instanceof ApiException) {
            return t.getMessage() != null;
        }
        if (!(t instanceof IllegalArgumentException) || t.getMessage() == null) {
            return false;
        }
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length > 0 && trace[0].getClassName().startsWith(OUR_PACKAGES);
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return location.getColumnNr() < 1 ? " (line " + location.getLineNr() + ")"
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    static Response envelope(int status, ErrorType type, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorEnvelope.of(type, message, param, code)).build();
    }
}
