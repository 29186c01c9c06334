package io.nexusai.gateway.pipeline.wire;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.Recorded;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

class MessagesWireTest {
    static final MessagesWire WIRE = MessagesWire.INSTANCE;

    @Test
    void gatewayFailuresGetAnthropicTypesAndStatuses() {
        assertThat(kind(ApiException.badRequest("bad", "x"))).isEqualTo("400 invalid_request_error");
        assertThat(kind(ApiException.unauthorized("no key"))).isEqualTo("401 authentication_error");
        assertThat(kind(ApiException.forbidden("no", "model_not_allowed"))).isEqualTo("403 permission_error");
        assertThat(kind(ApiException.modelNotFound("gpt-9"))).isEqualTo("404 not_found_error");
        assertThat(kind(new ApiException(413, ErrorType.INVALID_REQUEST, "big", null, "request_too_large"))).isEqualTo("413 request_too_large");
        assertThat(kind(new ApiException(415, ErrorType.INVALID_REQUEST, "type", null, null))).isEqualTo("415 invalid_request_error");
        assertThat(kind(new ApiException(405, ErrorType.INVALID_REQUEST, "method", null, null))).isEqualTo("405 invalid_request_error");
        assertThat(kind(new ApiException(429, ErrorType.RATE_LIMIT, "slow down", null, "rate_limited"))).isEqualTo("429 rate_limit_error");
        assertThat(kind(new ApiException(429, ErrorType.INSUFFICIENT_QUOTA, "budget", null, "budget_exceeded"))).isEqualTo("429 rate_limit_error");
        assertThat(kind(ApiException.unavailable("shed"))).isEqualTo("529 overloaded_error");
        assertThat(kind(new ApiException(500, ErrorType.SERVER, "bug", null, null))).isEqualTo("500 api_error");
        assertThat(kind(new ApiException(502, ErrorType.UPSTREAM, "bad gateway", null, null))).isEqualTo("500 api_error");
        assertThat(kind(new ApiException(504, ErrorType.TIMEOUT, "slow", null, null))).isEqualTo("500 api_error");
    }

    private static String kind(ApiException e) {
        MessagesWire.Kind kind = MessagesWire.kind(e);
        assertThat(WIRE.status(e)).isEqualTo(kind.status());
        assertThat(json(WIRE.errorBody(e)).at("/error/type").asText()).isEqualTo(kind.type());
        return kind.status() + " " + kind.type();
    }

    @Test
    void theEnvelopeIsAnthropicsAndTheStreamErrorAnErrorEvent() {
        ApiException limited = new ApiException(429, ErrorType.RATE_LIMIT.wire(), "Rate limit \"reached\".", "x", "rate_limited",
                List.of(), 7L);
        assertThat(json(WIRE.errorBody(limited))).isEqualTo(json("""
                {"type":"error","error":{"type":"rate_limit_error","message":"Rate limit \\"reached\\"."}}"""));
        assertThat(json(WIRE.errorBody(limited, "req_42"))).isEqualTo(json("""
                {"type":"error","error":{"type":"rate_limit_error","message":"Rate limit \\"reached\\"."},"request_id":"req_42"}"""));
        assertThat(WIRE.streamError(limited).toString()).isEqualTo("event: error\ndata: "
                + "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limit \\\"reached\\\".\"}}\n\n");
        assertThat(WIRE.streamEnd().length()).isZero();
    }

    @Test
    void eventsAreNamedByTheirType() {
        Buffer out = Buffer.buffer();
        WIRE.frame(OpenAiJson.event(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hé\"}}"), "hé"),
                out, Recorded.MAPPER);
        assertThat(out.toString()).isEqualTo(
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hé\"}}\n\n");
    }
}
