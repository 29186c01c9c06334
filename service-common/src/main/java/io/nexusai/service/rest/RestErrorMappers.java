package io.nexusai.service.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.openai.ErrorType;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one place where a REST service turns failures into OpenAI's error envelope. Nothing else writes error
 * bodies; nothing here ever returns a stack trace or an internal message.
 */
public class RestErrorMappers {
    private static final Logger LOG = Logger.getLogger(RestErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder builder = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(e.toEnvelope());
        if (e.retryAfterSeconds() != null) {
            builder.header("Retry-After", e.retryAfterSeconds());
        }
        return builder.build();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonParseException e) {
        return envelope(400, ErrorType.INVALID_REQUEST, "The request body is not valid JSON: " + e.getOriginalMessage(), null, "invalid_json");
    }

    @ServerExceptionMapper
    public Response badJsonValue(JsonMappingException e) {
        String path = JsonPaths.of(e.getPath());
        String reason = e.getCause() instanceof IllegalArgumentException iae && iae.getMessage() != null
                ? iae.getMessage() : JsonPaths.describe(e);
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiException.invalid(List.of(new ErrorEnvelope.FieldProblem(path, reason))).toEnvelope()).build();
    }

    @ServerExceptionMapper
    public Response mismatchedJson(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return badJsonValue(e);
    }

    @ServerExceptionMapper
    public Response invalidJsonFormat(com.fasterxml.jackson.databind.exc.InvalidFormatException e) {
        return badJsonValue(e);
    }

    @ServerExceptionMapper
    public Response unknownJsonField(com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
        return badJsonValue(e);
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
            if (cause instanceof JsonParseException jpe) {
                return malformedJson(jpe);
            }
            if (cause instanceof JsonMappingException jme) {
                return badJsonValue(jme);
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
        LOG.error("unexpected failure", e);
        return envelope(500, ErrorType.SERVER, "Internal error.", null, null);
    }

    static Response envelope(int status, ErrorType type, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorEnvelope.of(type, message, param, code)).build();
    }
}
