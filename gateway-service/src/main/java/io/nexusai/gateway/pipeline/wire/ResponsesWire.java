package io.nexusai.gateway.pipeline.wire;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.Json;
import io.vertx.core.buffer.Buffer;

/**
 * The OpenAI Responses API's wire: errors in OpenAI's envelope (as every OpenAI API), stream events named by their
 * {@code type} and nothing after {@code response.completed} / {@code response.incomplete} / {@code response.failed}.
 * A stream that fails after it started ends with the request translator's {@code error} and {@code response.failed}
 * events (they carry the response id and the next {@code sequence_number}); {@link #streamError} is the stateless
 * fallback, an {@code error} event.
 */
public final class ResponsesWire extends TypedEventWire {
    public static final ResponsesWire INSTANCE = new ResponsesWire();

    private ResponsesWire() {
    }

    @Override
    public Buffer errorBody(ApiException error) {
        return Buffer.buffer(error.toEnvelope().toJson());
    }

    @Override
    public Buffer streamError(ApiException error) {
        return event("error", errorEvent(error, 0));
    }

    /** The data of an {@code error} event (ResponseErrorEvent). */
    public static String errorEvent(ApiException error, long sequenceNumber) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"type\":\"error\",\"code\":");
        Json.appendString(sb, error.code() != null ? error.code() : error.type());
        sb.append(",\"message\":");
        Json.appendString(sb, error.getMessage());
        sb.append(",\"param\":");
        Json.appendString(sb, error.param());
        return sb.append(",\"sequence_number\":").append(sequenceNumber).append('}').toString();
    }
}
