package io.nexusai.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.mock.TokenCounter;
import io.nexusai.testsupport.OpenAiSchemas;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OpenAI API through the gateway with the official openai-java SDK, for an OpenAI-compatible, an Azure, an
 * Anthropic, a Google Gemini and an AWS Bedrock deployment (the mock speaks each vendor's real format, and checks Bedrock's
 * SigV4 signatures); responses and chunks validated against the official OpenAPI schemas.
 */
@Order(4)
class DataPlaneIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Fixtures.Tenant> TENANTS = new ConcurrentHashMap<>();

    static Fixtures.Tenant tenant(String kind) {
        return TENANTS.computeIfAbsent(kind, DataPlaneIT::newTenant);
    }

    /** A new tenant with an alias served by a mock of that kind, its route loaded by the gateway. */
    static Fixtures.Tenant newTenant(String kind) {
        // a Gemini 3 model name: the mock then refuses tool call histories whose thought signature got lost
        Fixtures.Tenant t = Fixtures.tenantWithAlias(kind, "gemini".equals(kind) ? "gemini-3-flash-mock" : "model-" + kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        Fixtures.awaitRoute(() -> client.models().retrieve(t.alias()));
        return t;
    }

    /** What the mock answers for one user message, and the prompt tokens each vendor reports for it. */
    static String reply(Fixtures.Tenant t, String text) {
        return MockProviderServer.REPLY_PREFIX + t.realModel() + ": " + text;
    }

    static long promptTokens(String kind, String text) throws Exception {
        return "anthropic".equals(kind) || "gemini".equals(kind) || "bedrock".equals(kind) ? TokenCounter.count(text)
                : TokenCounter.countMessages(JSON.readTree("[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(text) + "}]"));
    }

    static ChatCompletionCreateParams chat(Fixtures.Tenant t, String text) {
        return ChatCompletionCreateParams.builder().model(t.alias()).addUserMessage(text).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void chatCompletionAnswersLikeOpenAi(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        String text = "Hello from " + kind + ", 你好!";
        ChatCompletion completion = Fixtures.openAi(t.appKey()).chat().completions().create(chat(t, text));
        assertThat(completion.model()).isEqualTo(t.alias());
        assertThat(completion.choices().get(0).message().content()).contains(reply(t, text));
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(promptTokens(kind, text));
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(TokenCounter.count(reply(t, text)));

        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("model", t.alias(), "messages", List.of(Map.of("role", "user", "content", text))))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("CreateChatCompletionResponse", raw)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void chatStreamReassemblesExactlyAndShowsUsageOnlyWhenAsked(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        String text = "Stream this, please: " + kind + " 🚀 ünïcødé";
        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat(t, text))) {
            stream.stream().forEach(c -> {
                chunks.add(c);
                c.choices().forEach(choice -> choice.delta().content().ifPresent(content::append));
            });
        }
        assertThat(content.toString()).isEqualTo(reply(t, text));
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.model()).isEqualTo(t.alias());
            assertThat(c.usage()).isEmpty();
        });
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason()).isPresent();

        ChatCompletionCreateParams withUsage = chat(t, text).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> usageChunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(withUsage)) {
            stream.stream().forEach(usageChunks::add);
        }
        ChatCompletionChunk last = usageChunks.get(usageChunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(promptTokens(kind, text));
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(TokenCounter.count(reply(t, text)));

        List<String> events = Sse.post(E2eStack.get().url("gateway") + "/v1/chat/completions", t.appKey(),
                JSON.writeValueAsString(Map.of("model", t.alias(), "stream", true, "stream_options", Map.of("include_usage", true),
                        "messages", List.of(Map.of("role", "user", "content", text)))));
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        for (String data : events.subList(0, events.size() - 1)) {
            assertThat(OpenAiSchemas.validate("CreateChatCompletionStreamResponse", data)).as(data).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void toolCallingRoundTrip(String kind) {
        Fixtures.Tenant t = tenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        FunctionDefinition weather = FunctionDefinition.builder().name("get_weather").description("Current weather of a city")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("location")))
                        .build())
                .build();
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model(t.alias())
                .addUserMessage("Paris").addFunctionTool(weather).build();
        ChatCompletion first = client.chat().completions().create(ask);
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessageToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0);
        assertThat(call.asFunction().function().name()).isEqualTo("get_weather");
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"location\":\"Paris\"}");

        ChatCompletion second = client.chat().completions().create(ask.toBuilder()
                .addMessage(first.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id()).content("sunny, 21 °C").build())
                .build());
        assertThat(second.choices().get(0).message().content()).contains(MockProviderServer.TOOL_RESULT_PREFIX + "sunny, 21 °C");
    }

    static ChatCompletionCreateParams weatherAsJson(Fixtures.Tenant t) {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        Map.of("type", "object",
                "properties", Map.of("city", Map.of("type", "string"), "temperature", Map.of("type", "integer")),
                "required", List.of("city", "temperature"), "additionalProperties", false)
                .forEach((k, v) -> schema.putAdditionalProperty(k, JsonValue.from(v)));
        return ChatCompletionCreateParams.builder().model(t.alias()).addUserMessage("Weather in Oslo as JSON")
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("weather").schema(schema.build()).strict(true).build()).build())
                .build();
    }

    static void assertWeather(String content) throws Exception {
        com.fasterxml.jackson.databind.JsonNode answer = JSON.readTree(content);
        assertThat(answer.get("city").isTextual()).as(content).isTrue();
        assertThat(answer.get("temperature").isInt()).as(content).isTrue();
        assertThat(answer.size()).as(content).isEqualTo(2);
    }

    /** response_format json_schema: the message text is JSON of the schema, whole and streamed, and it stops (no tool calls). */
    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void responseFormatJsonSchemaAnswersWithJsonOfTheSchema(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        ChatCompletion whole = client.chat().completions().create(weatherAsJson(t));
        assertWeather(whole.choices().get(0).message().content().orElseThrow());
        assertThat(whole.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(whole.choices().get(0).finishReason().asString()).isEqualTo("stop");

        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletionCreateParams streamed = weatherAsJson(t).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(streamed)) {
            stream.stream().forEach(c -> {
                chunks.add(c);
                c.choices().forEach(choice -> {
                    choice.delta().content().ifPresent(content::append);
                    assertThat(choice.delta().toolCalls().orElse(List.of())).isEmpty();
                });
            });
        }
        assertThat(content.toString()).isEqualTo(whole.choices().get(0).message().content().orElseThrow());
        assertThat(chunks.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.finishReason().stream())
                .map(ChatCompletionChunk.Choice.FinishReason::asString).toList()).containsExactly("stop");
        // the same answer, the same usage, whether whole or streamed
        assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().promptTokens()).isEqualTo(whole.usage().orElseThrow().promptTokens());
        assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().completionTokens())
                .isEqualTo(whole.usage().orElseThrow().completionTokens());

        ChatCompletion object = client.chat().completions().create(ChatCompletionCreateParams.builder().model(t.alias())
                .addUserMessage("Any JSON object").responseFormat(ResponseFormatJsonObject.builder().build()).build());
        assertThat(JSON.readTree(object.choices().get(0).message().content().orElseThrow()).isObject()).isTrue();
        assertThat(object.choices().get(0).finishReason().asString()).isEqualTo("stop");
    }

    /** Anthropic and Bedrock give structured output through a forced tool, which would shadow the client's own tools. */
    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "bedrock"})
    void responseFormatBesideToolsIsA400NamingIt(String kind) {
        Fixtures.Tenant t = tenant(kind);
        FunctionDefinition f = FunctionDefinition.builder().name("get_weather").build();
        assertThatThrownBy(() -> Fixtures.openAi(t.appKey()).chat().completions().create(weatherAsJson(t).toBuilder().addFunctionTool(f).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).contains("response_format");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure"})
    void embeddings(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        CreateEmbeddingResponse r = Fixtures.openAi(t.appKey()).embeddings().create(EmbeddingCreateParams.builder()
                .model(t.alias()).input("embed me").build());
        assertThat(r.model()).isEqualTo(t.alias());
        assertThat(r.data()).hasSize(1);
        assertThat(r.data().get(0).embedding()).hasSize(16);
        assertThat(r.usage().promptTokens()).isEqualTo(TokenCounter.count("embed me"));
        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("model", t.alias(), "input", List.of("a", "b"), "encoding_format", "float"))
                .post("/v1/embeddings").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("CreateEmbeddingResponse", raw)).isEmpty();
    }

    @Test
    void anthropicHasNoEmbeddings() {
        Fixtures.Tenant t = tenant("anthropic");
        assertThatThrownBy(() -> Fixtures.openAi(t.appKey()).embeddings().create(EmbeddingCreateParams.builder()
                .model(t.alias()).input("x").build())).isInstanceOf(BadRequestException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemini", "bedrock"})
    void geminiAndBedrockHaveNoLegacyCompletionsNorEmbeddings(String kind) {
        Fixtures.Tenant t = tenant(kind);
        assertThatThrownBy(() -> Fixtures.openAi(t.appKey()).completions().create(CompletionCreateParams.builder()
                .model(t.alias()).prompt("Say hi").build())).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> Fixtures.openAi(t.appKey()).embeddings().create(EmbeddingCreateParams.builder()
                .model(t.alias()).input("x").build())).isInstanceOf(BadRequestException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic"})
    void legacyCompletions(String kind) {
        Fixtures.Tenant t = tenant(kind);
        Completion c = Fixtures.openAi(t.appKey()).completions().create(CompletionCreateParams.builder()
                .model(t.alias()).prompt("Say hi").maxTokens(50).build());
        assertThat(c.model()).isEqualTo(t.alias());
        String expected = "anthropic".equals(kind) ? reply(t, "Say hi") : MockProviderServer.COMPLETION_PREFIX + t.realModel() + ": Say hi";
        assertThat(c.choices().get(0).text()).isEqualTo(expected);
        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("model", t.alias(), "prompt", "Say hi"))
                .post("/v1/completions").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("CreateCompletionResponse", raw)).isEmpty();
    }

    @Test
    void modelsListShowsOnlyWhatTheKeyMayUse() throws Exception {
        Fixtures.Tenant t = tenant("openai");
        Fixtures.Tenant other = tenant("azure");
        String scoped = Fixtures.appKey(t.id(), List.of(t.alias()));
        OpenAIClient client = Fixtures.openAi(scoped);
        List<String> ids = Fixtures.awaitRoute(() -> client.models().list().data().stream().map(m -> m.id()).toList());
        assertThat(ids).containsExactly(t.alias());
        assertThat(client.models().retrieve(t.alias()).id()).isEqualTo(t.alias());
        assertThatThrownBy(() -> client.models().retrieve(other.alias())).isInstanceOf(NotFoundException.class);
        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + scoped)
                .get("/v1/models").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("ListModelsResponse", raw)).isEmpty();
        assertThat(Fixtures.openAi(t.appKey()).models().list().data().stream().map(m -> m.id()).toList())
                .contains(t.alias(), other.alias());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void errorStatusesSurfaceAsTheSdksTypedExceptions(String kind) {
        String model = Fixtures.uniqueModel("faulty-" + kind);
        Fixtures.Tenant t = Fixtures.tenantWithAlias(kind, model);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        Fixtures.awaitRoute(() -> client.models().retrieve(t.alias()));

        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(t.alias())
                .messages(List.of()).build())).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> Fixtures.openAi("nx-app-wrong").chat().completions().create(chat(t, "x")))
                .isInstanceOf(UnauthorizedException.class);
        String scoped = Fixtures.appKey(t.id(), List.of("another-alias"));
        Fixtures.awaitRoute(() -> {
            try {
                return Fixtures.openAi(scoped).chat().completions().create(chat(t, "x"));
            } catch (PermissionDeniedException expected) {
                return null;
            }
        });
        assertThatThrownBy(() -> Fixtures.openAi(scoped).chat().completions().create(chat(t, "x")))
                .isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> client.chat().completions().create(chat(t, "x").toBuilder().model("no-such-alias").build()))
                .isInstanceOf(NotFoundException.class);

        Fixtures.mockFault(Map.of("model", model, "status", 429, "retry_after", 7, "count", 1));
        assertThatThrownBy(() -> client.chat().completions().create(chat(t, "x")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.headers().values("Retry-After")).containsExactly("7"));
        Fixtures.mockFault(Map.of("model", model, "status", 500, "count", 1));
        assertThatThrownBy(() -> client.chat().completions().create(chat(t, "x")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.statusCode()).isEqualTo(502));
        Fixtures.mockFault(Map.of("model", model, "status", "anthropic".equals(kind) ? 529 : 503, "count", 1));
        assertThatThrownBy(() -> client.chat().completions().create(chat(t, "x")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
        assertThat(client.chat().completions().create(chat(t, "fine again")).choices()).hasSize(1);
    }

    @Test
    void bedrockCredentialsThatAwsRefusesAreTheGatewaysFailureNotTheClients() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String wrongSecret = "wrong-aws-secret-" + suffix;
        int provider = Fixtures.admin().body(Fixtures.provider("bedrock-wrong-" + suffix, "bedrock", wrongSecret))
                .post("/admin/v1/providers").then().statusCode(201).extract().path("id");
        Fixtures.Tenant t = tenant("bedrock");
        String alias = "bedrock-wrong-" + suffix;
        Fixtures.admin().body(Map.of("model_alias", alias, "provider_id", provider, "real_model_name", "model-bedrock"))
                .post("/admin/v1/routes").then().statusCode(201);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        Fixtures.awaitRoute(() -> client.models().retrieve(alias));
        String body = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("model", alias, "messages", List.of(Map.of("role", "user", "content", "hi"))))
                .post("/v1/chat/completions").then().statusCode(502).extract().asString();
        assertThat(body).contains("upstream_auth_failed", "AWS credentials", "InvalidSignatureException")
                .doesNotContain(wrongSecret).doesNotContain(E2eStack.MOCK_API_KEY);
        assertThat(OpenAiSchemas.validate("ErrorResponse", body)).isEmpty();
    }

    @Test
    void wrongContentTypeAndOversizedBodiesAreRefusedInTheEnvelope() {
        Fixtures.Tenant t = tenant("openai");
        String gateway = E2eStack.get().url("gateway");
        String body = given().baseUri(gateway).header("Authorization", "Bearer " + t.appKey()).contentType("text/plain")
                .body("{}").post("/v1/chat/completions").then().statusCode(415).extract().asString();
        assertThat(OpenAiSchemas.validate("ErrorResponse", body)).isEmpty();
        String huge = "{\"model\":\"" + t.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}]}";
        given().baseUri(gateway).header("Authorization", "Bearer " + t.appKey()).contentType(ContentType.JSON).body(huge)
                .post("/v1/chat/completions").then().statusCode(413);
    }

}
