package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Step 1, request parsing: JSON content type, a JSON object body, and the fields every chat completion needs,
 * with OpenAI's messages and {@code param}s for what is wrong.
 */
public final class ParseStage implements Stage {
    private final ObjectMapper mapper;
    private final String endpoint;

    public ParseStage(ObjectMapper mapper, String endpoint) {
        this.mapper = mapper;
        this.endpoint = endpoint;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        String contentType = ctx.http().request().getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, ErrorType.INVALID_REQUEST,
                    "Unsupported content type '" + (contentType == null ? "none" : sanitize(contentType))
                            + "': send the request body as application/json.", null, "unsupported_media_type");
        }
        Buffer raw = ctx.http().body().buffer();
        if (raw == null || raw.length() == 0) {
            throw ApiException.badRequest("The request body is empty: send a JSON object.", null);
        }
        JsonNode json;
        try {
            json = mapper.readTree(raw.getBytes());
        } catch (JsonProcessingException e) {
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "We could not parse the JSON body of your request. "
                    + "(HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
                    null, "invalid_json");
        } catch (IOException e) {
            throw ApiException.badRequest("The request body could not be read.", null);
        }
        if (!(json instanceof ObjectNode body)) {
            throw ApiException.badRequest("The request body must be a JSON object.", null);
        }
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw ApiException.badRequest("You must provide a model parameter.", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiException.badRequest("Invalid type for 'model': expected a non-empty string.", "model");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiException.badRequest("Missing required parameter: 'messages'.", "messages");
        }
        if (!messages.isArray()) {
            throw ApiException.badRequest("Invalid type for 'messages': expected an array of message objects.", "messages");
        }
        if (messages.isEmpty()) {
            throw ApiException.badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw ApiException.badRequest("Invalid type for 'messages[" + i + "]': expected an object.", "messages[" + i + "]");
            }
            if (!m.path("role").isTextual()) {
                throw ApiException.badRequest("Missing required parameter: 'messages[" + i + "].role'.", "messages[" + i + "].role");
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiException.badRequest("Invalid type for 'stream': expected a boolean.", "stream");
        }
        if (stream != null && stream.asBoolean()) {
            throw ApiException.badRequest("Streaming is not available on this gateway version yet: send \"stream\": false.", "stream");
        }
        ctx.attach(ParsedRequest.class, new ParsedRequest(endpoint, body, model.asText(), false));
        ctx.proceed();
    }

    private static String sanitize(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
