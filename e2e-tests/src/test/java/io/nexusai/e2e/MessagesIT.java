package io.nexusai.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorResponse;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.models.ModelInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.mock.TokenCounter;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Anthropic Messages ingress, called with the official Anthropic Java SDK, unchanged, against the running gateway:
 * each call against an OpenAI-compatible, an Azure, an Anthropic (native pass-through) and a Gemini deployment behind
 * an alias — answers, streams reassembled by the SDK, a tool round trip, typed errors, exact usage metered under the
 * endpoint {@code messages}, and every stream event the gateway sends parsed by the SDK's own models.
 */
@Order(12)
class MessagesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Fixtures.Tenant> TENANTS = new ConcurrentHashMap<>();

    static Fixtures.Tenant tenant(String kind) {
        return TENANTS.computeIfAbsent(kind, k -> {
            // a Gemini 3 model name: the mock then refuses tool call histories whose thought signature got lost
            Fixtures.Tenant t = Fixtures.tenantWithAlias(k, "gemini".equals(k) ? "gemini-3-flash-mock" : "model-msg-" + k);
            Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
            return t;
        });
    }

    static AnthropicClient anthropic(String key) {
        return AnthropicOkHttpClient.builder().apiKey(key).baseUrl(E2eStack.get().url("gateway")).maxRetries(0).build();
    }

    static MessageCreateParams ask(Fixtures.Tenant t, String text) {
        return MessageCreateParams.builder().model(t.alias()).maxTokens(512).addUserMessage(text).build();
    }

    static String text(Message message) {
        StringBuilder sb = new StringBuilder();
        message.content().stream().filter(ContentBlock::isText).forEach(b -> sb.append(b.asText().text()));
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void messagesCreateAnswersLikeAnthropic(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        String text = "Hello Messages from " + kind + ", 你好!";
        Message message = anthropic(t.appKey()).messages().create(ask(t, text));
        assertThat(message.model().asString()).isEqualTo(t.alias());
        assertThat(message.id()).startsWith("msg_");
        assertThat(text(message)).isEqualTo(DataPlaneIT.reply(t, text));
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        long prompt = DataPlaneIT.promptTokens(kind, text);
        assertThat(message.usage().inputTokens() + message.usage().cacheReadInputTokens().orElse(0L)
                + message.usage().cacheCreationInputTokens().orElse(0L)).isEqualTo(prompt);
        assertThat(message.usage().outputTokens()).isEqualTo(TokenCounter.count(DataPlaneIT.reply(t, text)));
    }

    @Test
    void aSessionKeyWorksAsAnAnthropicApiKey() {
        Fixtures.Tenant t = tenant("anthropic");
        String session = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("models", List.of(t.alias()), "ttl_seconds", 600))
                .post("/v1/auth/session-keys").then().statusCode(201).extract().path("session_key");
        assertThat(text(anthropic(session).messages().create(ask(t, "with a session key")))).isEqualTo(DataPlaneIT.reply(t, "with a session key"));
        // the same key as a bearer token (the SDK's authToken)
        AnthropicClient bearer = AnthropicOkHttpClient.builder().authToken(session).baseUrl(E2eStack.get().url("gateway")).maxRetries(0).build();
        assertThat(text(bearer.messages().create(ask(t, "as a bearer")))).isEqualTo(DataPlaneIT.reply(t, "as a bearer"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void aStreamReassembledByTheSdkEqualsTheAnswerAndIsMeteredExactly(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        String text = "Stream this back to me, " + kind + " 🙂";
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic(t.appKey()).messages().createStreaming(ask(t, text))) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        assertThat(text(message)).isEqualTo(DataPlaneIT.reply(t, text));
        assertThat(message.model().asString()).isEqualTo(t.alias());
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        long prompt = DataPlaneIT.promptTokens(kind, text);
        long completion = TokenCounter.count(DataPlaneIT.reply(t, text));
        assertThat(message.usage().inputTokens() + message.usage().cacheReadInputTokens().orElse(0L)
                + message.usage().cacheCreationInputTokens().orElse(0L)).isEqualTo(prompt);
        assertThat(message.usage().outputTokens()).isEqualTo(completion);

        // the usage row: exact, under the endpoint name "messages"
        String id = "msg-usage-" + UUID.randomUUID();
        Sse.named(E2eStack.get().url("gateway") + "/v1/messages", t.appKey(), body(t, text, true),
                Map.of("anthropic-version", "2023-06-01", "x-request-id", id));
        JsonPath row = StreamingIT.usageRow(t, id);
        assertThat(row.getString("data[0].endpoint")).isEqualTo("messages");
        assertThat(row.getLong("data[0].prompt_tokens")).isEqualTo(prompt);
        assertThat(row.getLong("data[0].completion_tokens")).isEqualTo(completion);
        assertThat(row.getBoolean("data[0].estimated")).isFalse();
        assertThat(row.getBoolean("data[0].stream")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void toolRoundTrip(String kind) {
        Fixtures.Tenant t = tenant(kind);
        AnthropicClient client = anthropic(t.appKey());
        Tool weather = Tool.builder().name("get_weather").description("Current weather of a city")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .required(List.of("location"))
                        .build())
                .build();
        MessageCreateParams ask = MessageCreateParams.builder().model(t.alias()).maxTokens(512).addUserMessage("Paris").addTool(weather).build();
        Message first = client.messages().create(ask);
        assertThat(first.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = first.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).findFirst().orElseThrow();
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input()).isEqualTo(JsonValue.from(Map.of("location", "Paris")));

        Message second = client.messages().create(ask.toBuilder()
                .addMessage(first)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(use.id()).content("sunny, 21 °C").build())))
                .build());
        assertThat(text(second)).contains(MockProviderServer.TOOL_RESULT_PREFIX + "sunny, 21 °C");
        assertThat(second.stopReason()).contains(StopReason.END_TURN);

        // the same first turn streamed: the tool_use block and its input reassembled by the SDK
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(ask)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ToolUseBlock streamed = accumulator.message().content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse)
                .findFirst().orElseThrow();
        assertThat(streamed.name()).isEqualTo("get_weather");
        assertThat(streamed._input()).isEqualTo(JsonValue.from(Map.of("location", "Paris")));
        assertThat(accumulator.message().stopReason()).contains(StopReason.TOOL_USE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void errorsAreTypedByTheSdk(String kind) {
        Fixtures.Tenant t = tenant(kind);
        assertThatThrownBy(() -> anthropic("nx-not-a-real-key").messages().create(ask(t, "x")))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> anthropic(t.appKey()).messages().create(ask(t, "x").toBuilder().model("no-such-alias").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThatThrownBy(() -> anthropic(t.appKey()).messages().create(ask(t, "x").toBuilder().maxTokens(0).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("max_tokens"));
        // max_tokens left out (the SDK would not let us): Anthropic's 400, in Anthropic's envelope
        Response missing = given().baseUri(E2eStack.get().url("gateway")).header("x-api-key", t.appKey())
                .header("anthropic-version", "2023-06-01").contentType(ContentType.JSON)
                .body(Map.of("model", t.alias(), "messages", List.of(Map.of("role", "user", "content", "x"))))
                .post("/v1/messages");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.jsonPath().getString("type")).isEqualTo("error");
        assertThat(missing.jsonPath().getString("error.type")).isEqualTo("invalid_request_error");
        assertThat(missing.jsonPath().getString("error.message")).isEqualTo("max_tokens: Field required");
        assertThat(missing.header("x-request-id")).isNotBlank();
        assertThat(missing.jsonPath().getString("request_id")).isEqualTo(missing.header("x-request-id"));
    }

    @Test
    void refusalsBeforeThePipelineAreAnthropicErrorsToo() {
        Fixtures.Tenant t = tenant("openai");
        String gateway = E2eStack.get().url("gateway");
        for (String path : List.of("/v1/messages", "/v1/messages/count_tokens")) {
            Response wrongMethod = given().baseUri(gateway).header("x-api-key", t.appKey()).get(path);
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.header("Allow")).isEqualTo("POST");
            assertThat(wrongMethod.jsonPath().getString("type")).isEqualTo("error");
            assertThat(wrongMethod.jsonPath().getString("error.type")).isEqualTo("invalid_request_error");
            assertThat(wrongMethod.jsonPath().getString("request_id")).isEqualTo(wrongMethod.header("x-request-id"));
        }
        Response wrongType = given().baseUri(gateway).header("x-api-key", t.appKey()).contentType("text/plain").body("{}")
                .post("/v1/messages");
        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(wrongType.jsonPath().getString("error.type")).isEqualTo("invalid_request_error");
        String huge = "{\"model\":\"" + t.alias() + "\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(9 * 1024 * 1024) + "\"}]}";
        Response tooLarge = given().baseUri(gateway).header("x-api-key", t.appKey()).contentType(ContentType.JSON).body(huge)
                .post("/v1/messages");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.jsonPath().getString("error.type")).isEqualTo("request_too_large");
        Response noKey = given().baseUri(gateway).contentType(ContentType.JSON).body(Map.of("model", t.alias(), "max_tokens", 5,
                "messages", List.of(Map.of("role", "user", "content", "x")))).post("/v1/messages");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.jsonPath().getString("error.type")).isEqualTo("authentication_error");
        assertThat(noKey.jsonPath().getString("error.message")).contains("x-api-key");
    }

    @Test
    void limitsAndOverloadsAreAnthropicErrors() {
        String model = Fixtures.uniqueModel("msg-err");
        Fixtures.Tenant t = Fixtures.tenantWithAlias("openai", model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        AnthropicClient client = anthropic(t.appKey());
        Fixtures.mockFault(Map.of("model", model, "status", 429, "retry_after", 7, "count", 1));
        assertThatThrownBy(() -> client.messages().create(ask(t, "x")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.headers().values("Retry-After")).containsExactly("7"));
        Fixtures.mockFault(Map.of("model", model, "status", 503, "count", 1));
        assertThatThrownBy(() -> client.messages().create(ask(t, "x")))
                .isInstanceOfSatisfying(OverloadedException.class, e -> assertThat(e.statusCode()).isEqualTo(529));
        Fixtures.clearMockFaults();
        assertThat(text(client.messages().create(ask(t, "fine again")))).contains("fine again");

        // a key's own request rate limit: 429 rate_limit_error with Retry-After
        String limited = Fixtures.admin().body(Map.of("name", "limited", "limits", Map.of("rpm_limit", 1)))
                .post("/admin/v1/tenants/" + t.id() + "/keys").then().statusCode(201).extract().path("key");
        AnthropicClient limitedClient = anthropic(limited);
        assertThat(text(limitedClient.messages().create(ask(t, "once")))).contains("once");
        assertThatThrownBy(() -> limitedClient.messages().create(ask(t, "twice")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.headers().values("Retry-After")).hasSize(1);
                    JsonNode body = envelope(e.body());
                    assertThat(body.path("type").asText()).isEqualTo("error");
                    assertThat(body.at("/error/type").asText()).isEqualTo("rate_limit_error");
                    assertThat(body.at("/error/message").asText()).startsWith("Rate limit reached for requests per minute");
                });
    }

    /**
     * A failing first deployment is failed over before the first byte, to a deployment of the other wire: from the
     * translated chat path to the native pass-through and back, the client's Messages body unchanged.
     */
    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void aFailingDeploymentIsFailedOverBeforeTheFirstByteToAnotherWire(String failingKind) throws Exception {
        String failing = Fixtures.uniqueModel("msg-fo");
        Fixtures.Tenant t = Fixtures.tenantWithAlias(failingKind, failing);
        String fallbackKind = "openai".equals(failingKind) ? "anthropic" : "openai";
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        int provider = Fixtures.admin().body(Map.of("name", "msg-fo-" + suffix, "kind", fallbackKind,
                        "endpoint", "openai".equals(fallbackKind) ? E2eStack.get().mockEndpoint() : E2eStack.get().mockBase(),
                        "api_key", E2eStack.MOCK_API_KEY, "rate_limit", 0))
                .post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        String fallback = Fixtures.uniqueModel("msg-fo-next");
        Fixtures.admin().body(Map.of("model_alias", t.alias(), "provider_id", provider, "real_model_name", fallback, "priority", 2))
                .post("/admin/v1/routes").then().statusCode(201);
        AnthropicClient client = anthropic(t.appKey());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                anthropic(t.appKey()).models().list().data().stream().anyMatch(m -> m.id().equals(t.alias()))
                        && Fixtures.admin().queryParam("alias", t.alias()).get("/admin/v1/routes").jsonPath().getList("$").size() == 2);
        Fixtures.mockFault(Map.of("model", failing, "status", 500, "count", 2));
        var raw = client.messages().withRawResponse().create(ask(t, "fail over, please"));
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().values("x-nexus-attempts")).containsExactly("2");
        Message message = raw.parse();
        assertThat(text(message)).isEqualTo(MockProviderServer.REPLY_PREFIX + fallback + ": fail over, please");
        assertThat(message.model().asString()).isEqualTo(t.alias());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(ask(t, "stream over"))) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertThat(text(accumulator.message())).isEqualTo(MockProviderServer.REPLY_PREFIX + fallback + ": stream over");
        Fixtures.clearMockFaults();
    }

    @Test
    void aProviderFailingMidStreamEndsTheStreamWithAnAnthropicErrorEvent() throws Exception {
        String model = Fixtures.uniqueModel("msg-drop");
        Fixtures.Tenant t = Fixtures.tenantWithAlias("openai", model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        Fixtures.mockFault(Map.of("model", model, "drop_after", 2, "count", 1));
        List<Sse.Event> events = Sse.named(E2eStack.get().url("gateway") + "/v1/messages", t.appKey(),
                body(t, "please fail in the middle of this answer", true), Map.of("anthropic-version", "2023-06-01"));
        Fixtures.clearMockFaults();
        Sse.Event last = events.get(events.size() - 1);
        assertThat(last.name()).isEqualTo("error");
        ErrorResponse error = ObjectMappers.jsonMapper().readValue(last.data(), ErrorResponse.class).validate();
        assertThat(error.error().isApiError()).isTrue();
        assertThat(events).noneMatch(e -> e.name().equals("message_stop"));
        assertEventsMatchTheirSchema(events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void everyStreamEventParsesWithTheSdkAndHasItsDocumentedFields(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        Map<String, String> headers = Map.of("anthropic-version", "2023-06-01");
        String url = E2eStack.get().url("gateway") + "/v1/messages";
        List<Sse.Event> events = new ArrayList<>(Sse.named(url, t.appKey(), body(t, "Describe the events", true), headers));
        events.addAll(Sse.named(url, t.appKey(), JSON.writeValueAsString(Map.of("model", t.alias(), "max_tokens", 256, "stream", true,
                "tools", List.of(Map.of("name", "get_weather", "input_schema", Map.of("type", "object",
                        "properties", Map.of("location", Map.of("type", "string"))))),
                "messages", List.of(Map.of("role", "user", "content", "Rome")))), headers));
        Set<String> types = new TreeSet<>();
        events.forEach(e -> types.add(e.name()));
        assertThat(types).contains("message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        assertEventsMatchTheirSchema(events);
    }

    /** Each event: named by its type, parsed and validated by the SDK's models, with exactly the documented fields. */
    static void assertEventsMatchTheirSchema(List<Sse.Event> events) throws Exception {
        for (Sse.Event e : events) {
            JsonNode data = JSON.readTree(e.data());
            assertThat(data.path("type").asText()).as(e.data()).isEqualTo(e.name());
            switch (e.name()) {
                case "ping" -> assertThat(fields(data)).containsExactly("type");
                case "error" -> {
                    ObjectMappers.jsonMapper().readValue(e.data(), ErrorResponse.class).validate();
                    assertThat(fields(data)).containsExactlyInAnyOrder("type", "error");
                    assertThat(fields(data.get("error"))).containsExactlyInAnyOrder("type", "message");
                }
                default -> {
                    RawMessageStreamEvent event = ObjectMappers.jsonMapper().readValue(e.data(), RawMessageStreamEvent.class).validate();
                    switch (e.name()) {
                        case "message_start" -> {
                            assertThat(event.isMessageStart()).isTrue();
                            assertThat(fields(data)).containsExactlyInAnyOrder("type", "message");
                            assertThat(fields(data.get("message"))).contains("id", "type", "role", "model", "content", "stop_reason",
                                    "stop_sequence", "usage");
                            assertThat(fields(data.at("/message/usage"))).contains("input_tokens", "output_tokens");
                        }
                        case "content_block_start" -> {
                            assertThat(event.isContentBlockStart()).isTrue();
                            assertThat(fields(data)).containsExactlyInAnyOrder("type", "index", "content_block");
                            String block = data.at("/content_block/type").asText();
                            assertThat(fields(data.get("content_block"))).containsExactlyInAnyOrderElementsOf(
                                    "tool_use".equals(block) ? List.of("type", "id", "name", "input") : List.of("type", "text"));
                        }
                        case "content_block_delta" -> {
                            assertThat(event.isContentBlockDelta()).isTrue();
                            assertThat(fields(data)).containsExactlyInAnyOrder("type", "index", "delta");
                            String delta = data.at("/delta/type").asText();
                            assertThat(delta).isIn("text_delta", "input_json_delta");
                            assertThat(fields(data.get("delta"))).containsExactlyInAnyOrder("type",
                                    "text_delta".equals(delta) ? "text" : "partial_json");
                        }
                        case "content_block_stop" -> {
                            assertThat(event.isContentBlockStop()).isTrue();
                            assertThat(fields(data)).containsExactlyInAnyOrder("type", "index");
                        }
                        case "message_delta" -> {
                            assertThat(event.isMessageDelta()).isTrue();
                            assertThat(fields(data)).containsExactlyInAnyOrder("type", "delta", "usage");
                            assertThat(fields(data.get("delta"))).contains("stop_reason", "stop_sequence");
                            assertThat(fields(data.get("usage"))).contains("output_tokens");
                        }
                        case "message_stop" -> {
                            assertThat(event.isMessageStop()).isTrue();
                            assertThat(fields(data)).containsExactly("type");
                        }
                        default -> throw new AssertionError("an event type the gateway should not send: " + e.name());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void countTokensAnswersWithTheInputTokens(String kind) {
        Fixtures.Tenant t = tenant(kind);
        String text = "How many tokens is this?";
        long counted = anthropic(t.appKey()).messages().countTokens(MessageCountTokensParams.builder().model(t.alias())
                .addUserMessage(text).build()).inputTokens();
        // Anthropic counts natively (the mock: the text's tokens); the others by the gateway's tokenizer (chat accounting)
        assertThat(counted).isEqualTo("anthropic".equals(kind) ? TokenCounter.count(text)
                : TokenCounter.countMessages(JSON.valueToTree(List.of(Map.of("role", "user", "content", text)))));
        assertThatThrownBy(() -> anthropic(t.appKey()).messages().countTokens(MessageCountTokensParams.builder().model("no-such-alias")
                .addUserMessage(text).build())).isInstanceOf(NotFoundException.class);
        // a deployment that cannot count: the gateway's own count, not an error
        Fixtures.mockFault(Map.of("model", t.realModel(), "status", 500, "count", 1));
        assertThat(anthropic(t.appKey()).messages().countTokens(MessageCountTokensParams.builder().model(t.alias())
                .addUserMessage(text).build()).inputTokens())
                .isEqualTo(TokenCounter.countMessages(JSON.valueToTree(List.of(Map.of("role", "user", "content", text)))));
        Fixtures.clearMockFaults();
    }

    @Test
    void modelsAreListedInAnthropicsShapeForAnthropicClients() {
        Fixtures.Tenant t = tenant("openai");
        List<ModelInfo> models = new ArrayList<>();
        Iterator<ModelInfo> page = anthropic(t.appKey()).models().list().autoPager().iterator();
        page.forEachRemaining(models::add);
        assertThat(models).extracting(ModelInfo::id).contains(t.alias()).isSorted();
        assertThat(models).allSatisfy(m -> assertThat(m.displayName()).isEqualTo(m.id()));
        ModelInfo one = anthropic(t.appKey()).models().retrieve(t.alias());
        assertThat(one.id()).isEqualTo(t.alias());
        assertThatThrownBy(() -> anthropic(t.appKey()).models().retrieve("no-such-alias")).isInstanceOf(NotFoundException.class);
        // without anthropic-version: OpenAI's list, as before
        assertThat(given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey()).get("/v1/models")
                .then().statusCode(200).extract().path("object").toString()).isEqualTo("list");
        String raw = given().baseUri(E2eStack.get().url("gateway")).header("x-api-key", t.appKey()).header("anthropic-version", "2023-06-01")
                .get("/v1/models").then().statusCode(200).extract().asString();
        JsonPath page1 = JsonPath.from(raw);
        assertThat(page1.getBoolean("has_more")).isFalse();
        List<String> ids = page1.getList("data.id");
        assertThat(ids).hasSize(models.size());
        assertThat(page1.getString("first_id")).isEqualTo(ids.get(0));
        assertThat(page1.getString("last_id")).isEqualTo(ids.get(ids.size() - 1));
        assertThat(page1.getString("data[0].type")).isEqualTo("model");
        assertThat(page1.getString("data[0].created_at")).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
        assertThat(given().baseUri(E2eStack.get().url("gateway")).header("x-api-key", "nx-bad").header("anthropic-version", "2023-06-01")
                .get("/v1/models").then().statusCode(401).extract().path("error.type").toString()).isEqualTo("authentication_error");
    }

    static JsonNode envelope(JsonValue body) {
        try {
            return JSON.readTree(ObjectMappers.jsonMapper().writeValueAsString(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String body(Fixtures.Tenant t, String text, boolean stream) throws Exception {
        return JSON.writeValueAsString(Map.of("model", t.alias(), "max_tokens", 512, "stream", stream,
                "messages", List.of(Map.of("role", "user", "content", text))));
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
