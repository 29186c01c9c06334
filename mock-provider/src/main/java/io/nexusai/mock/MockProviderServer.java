package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.UUID;

/**
 * A fake LLM vendor that speaks OpenAI's chat-completions wire format with real token counts.
 *
 * <p>The reply to a chat request is {@code "Mock reply from <model>: <last user text>"}, cut to
 * {@code max_tokens}/{@code max_completion_tokens} (then {@code finish_reason: "length"}); usage counts are
 * computed with the o200k_base tokenizer. When an API key is configured, requests without
 * {@code Authorization: Bearer <key>} get OpenAI's 401.
 */
public final class MockProviderServer {
    /** Prefix of every reply; tests rebuild the expected content from it. */
    public static final String REPLY_PREFIX = "Mock reply from ";

    private final Vertx vertx;
    private final String apiKey;
    private final ObjectMapper mapper = new ObjectMapper();
    private final RequestJournal journal = new RequestJournal(mapper);
    private HttpServer server;

    /**
     * @param vertx  the Vert.x instance to run on
     * @param apiKey key clients must present, or {@code null} to accept any
     */
    public MockProviderServer(Vertx vertx, String apiKey) {
        this.vertx = vertx;
        this.apiKey = apiKey;
    }

    /** Starts listening on {@code host:port} (port 0 = any free port). */
    public Future<MockProviderServer> start(String host, int port) {
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.response().end("{\"status\":\"UP\"}"));
        router.get("/_mock/requests").handler(ctx -> json(ctx, 200, journal.snapshot()));
        router.delete("/_mock/requests").handler(ctx -> {
            journal.clear();
            ctx.response().setStatusCode(204).end();
        });
        router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(32 * 1024 * 1024));
        router.post("/v1/chat/completions").handler(this::chatCompletions);
        router.route().last().handler(ctx -> error(ctx, 404, "invalid_request_error",
                "Unknown path " + ctx.request().path(), null, "unknown_url"));
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
                .requestHandler(router)
                .listen()
                .map(s -> {
                    server = s;
                    return this;
                });
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void chatCompletions(RoutingContext ctx) {
        JsonNode body = parseBody(ctx);
        if (body == null) {
            return;
        }
        journal.record("POST", ctx.request().path(), ctx.request().headers(), body);
        if (!authorized(ctx)) {
            return;
        }
        JsonNode messages = body.get("messages");
        if (!body.path("model").isTextual()) {
            error(ctx, 400, "invalid_request_error", "you must provide a model parameter", "model", null);
            return;
        }
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            error(ctx, 400, "invalid_request_error", "'messages' must be a non-empty array", "messages", null);
            return;
        }
        String model = body.get("model").asText();
        String reply = replyFor(model, messages);
        String finishReason = "stop";
        int maxTokens = body.path("max_completion_tokens").asInt(body.path("max_tokens").asInt(0));
        if (maxTokens > 0) {
            String cut = TokenCounter.truncate(reply, maxTokens);
            if (!cut.equals(reply)) {
                reply = cut;
                finishReason = "length";
            }
        }
        int promptTokens = TokenCounter.countMessages(messages);
        int completionTokens = TokenCounter.count(reply);

        ObjectNode out = mapper.createObjectNode();
        out.put("id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", ""));
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply);
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        out.put("system_fingerprint", "fp_nexus_mock");
        json(ctx, 200, out);
    }

    /** The reply the mock gives to these messages, before any {@code max_tokens} cut. */
    public static String replyFor(String model, JsonNode messages) {
        String lastUser = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                lastUser = TokenCounter.textOf(message.get("content"));
            }
        }
        return REPLY_PREFIX + model + ": " + lastUser;
    }

    private boolean authorized(RoutingContext ctx) {
        if (apiKey == null) {
            return true;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.equals("Bearer " + apiKey)) {
            return true;
        }
        error(ctx, 401, "invalid_request_error", "Incorrect API key provided.", null, "invalid_api_key");
        return false;
    }

    private JsonNode parseBody(RoutingContext ctx) {
        try {
            JsonNode body = mapper.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
            if (body == null || !body.isObject()) {
                error(ctx, 400, "invalid_request_error", "The request body must be a JSON object.", null, null);
                return null;
            }
            return body;
        } catch (java.io.IOException e) {
            error(ctx, 400, "invalid_request_error", "We could not parse the JSON body of your request.", null, null);
            return null;
        }
    }

    private void error(RoutingContext ctx, int status, String type, String message, String param, String code) {
        ObjectNode envelope = mapper.createObjectNode();
        ObjectNode error = envelope.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        json(ctx, status, envelope);
    }

    private void json(RoutingContext ctx, int status, JsonNode body) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(io.vertx.core.buffer.Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
