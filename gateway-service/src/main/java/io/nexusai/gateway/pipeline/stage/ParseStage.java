package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Step 1, request parsing: JSON content type, a JSON object body, and the endpoint's checks, with OpenAI's
 * messages and {@code param}s for what is wrong.
 */
public final class ParseStage implements Stage {
    private final ObjectMapper mapper;
    private final Endpoint endpoint;

    public ParseStage(ObjectMapper mapper, Endpoint endpoint) {
        this.mapper = mapper;
        this.endpoint = endpoint;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        String contentType = ctx.http().request().getHeader("Content-Type");
        if (contentType == null || !contentType.regionMatches(true, 0, "application/json", 0, 16)) {
            throw new ApiException(415, ErrorType.INVALID_REQUEST,
                    "Unsupported content type '" + (contentType == null ? "none" : sanitize(contentType))
                            + "': send the request body as application/json.", null, "unsupported_media_type");
        }
        Buffer raw = ctx.body();
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
        ctx.attach(ParsedRequest.class, endpoint.parse(body));
        ctx.proceed();
    }

    private static String sanitize(String value) {
        String v = value.length() > 64 ? value.substring(0, 64) : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
