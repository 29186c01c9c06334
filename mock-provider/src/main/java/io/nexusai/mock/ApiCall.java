package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One API request on its way through the mock: {@link #open} parses and journals it and counts it in the stats;
 * the API then authenticates it and calls {@link #run}, which applies the faults asked for (header over per-model
 * rule over server default) and finally runs the API's answer, which validates the body and
 * {@linkplain #reply replies} or {@linkplain #stream streams}.
 */
final class ApiCall {
    private final RoutingContext ctx;
    private final MockState mock;
    private final ErrorFormat errors;
    private final JsonNode body;
    private final String model;
    private Fault fault = Fault.NONE;

    private ApiCall(RoutingContext ctx, MockState mock, ErrorFormat errors, JsonNode body, String model) {
        this.ctx = ctx;
        this.mock = mock;
        this.errors = errors;
        this.body = body;
        this.model = model;
    }

    /**
     * Journals and counts the request and parses its JSON body.
     *
     * @param pathModel the model named by the path (the Azure deployment), or {@code null} to take the body's
     *                  {@code "model"}
     * @return the call, or {@code null} when the body is not a JSON object (a 400 has then been sent)
     */
    static ApiCall open(RoutingContext ctx, MockState mock, ErrorFormat errors, String pathModel) {
        Buffer raw = ctx.body().buffer();
        byte[] bytes = raw == null ? new byte[0] : raw.getBytes();
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            body = null;
        }
        JsonNode journaled = body != null ? body : new TextNode(new String(bytes, StandardCharsets.UTF_8));
        mock.journal().record(ctx.request().method().name(), ctx.request().path(), ctx.request().query(),
                ctx.request().headers(), journaled);
        String model = pathModel != null ? pathModel : body == null ? null : body.path("model").textValue();
        mock.stats().request(model);
        if (body == null || !body.isObject()) {
            errors.headers(400, ctx.response());
            Json.send(ctx.response(), 400, errors.invalidRequest(body == null
                    ? "We could not parse the JSON body of your request." : "The request body must be a JSON object.", null));
            return null;
        }
        return new ApiCall(ctx, mock, errors, body, model);
    }

    JsonNode body() {
        return body;
    }

    /** The model the request is for: the body's {@code "model"} or the Azure deployment; may be {@code null}. */
    String model() {
        return model;
    }

    String header(String name) {
        return ctx.request().getHeader(name);
    }

    String queryParam(String name) {
        return ctx.request().getParam(name);
    }

    /**
     * Applies the request's fault — delay, then hang, error status or (for {@link #reply}) connection drop — and
     * otherwise runs {@code answer}. A malformed fault header is answered with a 400.
     */
    void run(Runnable answer) {
        Fault requested;
        try {
            requested = Fault.fromHeaders(ctx.request().headers());
        } catch (IllegalArgumentException e) {
            error(400, errors.invalidRequest(e.getMessage(), null));
            return;
        }
        fault = requested.orElse(mock.rules().take(model)).orElse(Fault.defaults(mock.defaultTokenDelayMs()));
        if (fault.delay() > 0) {
            mock.vertx().setTimer(fault.delay(), id -> act(answer));
        } else {
            act(answer);
        }
    }

    private void act(Runnable answer) {
        if (ctx.response().closed() || fault.hangs()) {
            return;
        }
        if (fault.status() != null) {
            if (fault.retryAfter() != null) {
                ctx.response().putHeader("Retry-After", String.valueOf(fault.retryAfter()));
            }
            error(fault.status(), errors.fault(fault.status(), fault.retryAfter()));
            return;
        }
        try {
            answer.run();
        } catch (RuntimeException e) {
            ctx.fail(e);
        }
    }

    /** Sends an error answer, with the headers the API adds to its errors. */
    void error(int status, JsonNode body) {
        errors.headers(status, ctx.response());
        Json.send(ctx.response(), status, body);
    }

    /** Sends a 400 in the called API's error format. */
    void invalid(String message, String param) {
        error(400, errors.invalidRequest(message, param));
    }

    /** Sends a successful JSON answer, or closes the connection without one when the fault says {@code drop-after}. */
    void reply(JsonNode answer) {
        if (fault.dropAfterChunks() > 0) {
            ctx.request().connection().close();
            return;
        }
        Json.send(ctx.response(), 200, answer);
    }

    /** Streams {@code events} as Server-Sent Events, paced and cut as the fault says. */
    void stream(List<SseStream.Event> events) {
        stream(events, "text/event-stream");
    }

    /** Streams {@code events} in another framing ({@code contentType}), paced and cut as the fault says. */
    void stream(List<SseStream.Event> events, String contentType) {
        new SseStream(mock.vertx(), ctx.response(), ctx.request().connection(), mock.stats(),
                fault.tokenDelay(), fault.dropAfterChunks()).send(events, contentType);
    }
}
