package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A fake LLM vendor speaking the real wire formats of OpenAI ({@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}), Azure OpenAI ({@code /openai/deployments/{deployment}/…?api-version=…}), Anthropic
 * ({@code /v1/messages}), Google Gemini ({@code /v1beta/models/{model}:generateContent} and
 * {@code :streamGenerateContent}) and AWS Bedrock ({@code /model/{modelId}/converse} and {@code /converse-stream},
 * SigV4-signed with {@link #BEDROCK_ACCESS_KEY_ID}), streamed or not, with real o200k_base token counts, plus fault injection and a small test
 * API under {@code /_mock}.
 *
 * <p>The reply to a chat is {@code "Mock reply from <model>: <last user text>"} ({@link #replyFor}), cut to the
 * request's token limit. Streams send one content chunk per token. OpenAI chats also honour {@code n} (that many
 * choices, interleaved in streams), {@code logprobs}/{@code top_logprobs} (per-token entries, in each content chunk
 * when streamed), {@code response_format} ({@code json_object}: {@code {"reply":<reply>}}; {@code json_schema}: a
 * deterministic value valid against the schema, see {@link SchemaValues}) and parallel tool calls (one call per
 * tool unless {@code parallel_tool_calls} is false or {@code tool_choice} names one), validated with OpenAI's 400s.
 * Faults — error statuses, delays, hangs, cut
 * connections, inter-token delays — are asked for per request with the {@code x-mock-fault} and
 * {@code x-mock-token-delay-ms} headers, or per model with {@code POST /_mock/faults}. When an API key is
 * configured, each API demands it the way its vendor does ({@code Authorization: Bearer}, {@code api-key},
 * {@code x-api-key}, {@code x-goog-api-key}, an AWS SigV4 signature with the key as secret access key).
 *
 * <p>Use it in-process ({@code new MockProviderServer(vertx, key).start(host, 0)}) or as a process
 * ({@link MockProviderMain}).
 */
public final class MockProviderServer {
    /** Prefix of every chat reply; tests rebuild the expected content from it. */
    public static final String REPLY_PREFIX = "Mock reply from ";
    /** Prefix of every legacy completion: {@code "Mock completion from <model>: <prompt>"}. */
    public static final String COMPLETION_PREFIX = Replies.COMPLETION_PREFIX;
    /** Prefix of the reply to a tool result: {@code "Tool result: <content>"}. */
    public static final String TOOL_RESULT_PREFIX = Replies.TOOL_RESULT_PREFIX;

    /**
     * The AWS access key id Bedrock requests must be signed with; the secret access key is the server's API key.
     */
    public static final String BEDROCK_ACCESS_KEY_ID = "AKIAMOCKBEDROCK00001";

    private static final int BODY_LIMIT = 32 * 1024 * 1024;

    private final Vertx vertx;
    private final MockState state;
    private HttpServer server;

    /**
     * @param vertx  the Vert.x instance to run on
     * @param apiKey key clients must present, or {@code null} to accept any
     */
    public MockProviderServer(Vertx vertx, String apiKey) {
        this(vertx, apiKey, 0);
    }

    /**
     * @param vertx               the Vert.x instance to run on
     * @param apiKey              key clients must present, or {@code null} to accept any
     * @param defaultTokenDelayMs delay before each content chunk of every stream, unless a fault rule or the
     *                            {@code x-mock-token-delay-ms} header says otherwise
     */
    public MockProviderServer(Vertx vertx, String apiKey, long defaultTokenDelayMs) {
        if (defaultTokenDelayMs < 0) {
            throw new IllegalArgumentException("defaultTokenDelayMs must not be negative");
        }
        this.vertx = vertx;
        this.state = new MockState(vertx, apiKey, defaultTokenDelayMs, new RequestJournal(), new MockStats(),
                new FaultRules());
    }

    /** Starts listening on {@code host:port} (port 0 = any free port). */
    public Future<MockProviderServer> start(String host, int port) {
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.response().end("{\"status\":\"UP\"}"));
        BodyHandler bodies = BodyHandler.create().setBodyLimit(BODY_LIMIT);
        router.route("/v1/*").handler(bodies);
        router.route("/openai/*").handler(bodies);
        router.route("/v1beta/*").handler(bodies);
        router.route("/model/*").handler(bodies);
        router.route("/_mock/*").handler(bodies);
        new AdminApi(state).register(router);
        new GeminiApi(state).register(router);
        new BedrockApi(state).register(router);
        OpenAiApi openAi = new OpenAiApi(state);
        openAi.register(router);
        new AzureApi(state, openAi).register(router);
        new AnthropicApi(state).register(router);
        router.route().last().handler(ctx -> Json.send(ctx.response(), 404, ErrorFormat.openAi(
                "Unknown path " + ctx.request().path(), "invalid_request_error", null, "unknown_url")));
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
                .requestHandler(router)
                .listen()
                .map(s -> {
                    server = s;
                    return this;
                });
    }

    /** The port the server listens on (the actual one when started with port 0). */
    public int port() {
        return server.actualPort();
    }

    /** Stops listening and closes open connections. */
    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** The reply the mock gives to these chat messages, before any {@code max_tokens} cut. */
    public static String replyFor(String model, JsonNode messages) {
        String lastUser = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                lastUser = TokenCounter.textOf(message.get("content"));
            }
        }
        return REPLY_PREFIX + model + ": " + lastUser;
    }
}
