package io.nexusai.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseTextConfig;
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

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OpenAI Responses API on the gateway, through the official openai-java SDK's {@code client.responses()}, for a
 * deployment of each provider kind behind an alias: answers, streams reassembled exactly, a function-tool round
 * trip, structured output, typed errors, and every body and stream event valid against OpenAI's description.
 */
@Order(12)
class ResponsesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** This class's own tenants (other classes' may have been changed by their tests), one per provider kind. */
    static final Map<String, Fixtures.Tenant> TENANTS = new java.util.concurrent.ConcurrentHashMap<>();

    static Fixtures.Tenant tenant(String kind) {
        return TENANTS.computeIfAbsent(kind, DataPlaneIT::newTenant);
    }

    static ResponseCreateParams ask(Fixtures.Tenant t, String text) {
        return ResponseCreateParams.builder().model(t.alias()).input(text).build();
    }

    /** The text of a response's message items, in order. */
    static String text(Response r) {
        StringBuilder sb = new StringBuilder();
        for (ResponseOutputItem item : r.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(o -> sb.append(o.text()))));
        }
        return sb.toString();
    }

    static String url() {
        return E2eStack.get().url("gateway") + "/v1/responses";
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void aResponseAnswersWithItsTextAndExactUsage(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        String text = "Hello Responses from " + kind + ", 你好!";
        Response r = Fixtures.openAi(t.appKey()).responses().create(ask(t, text));
        assertThat(r.id()).startsWith("resp_");
        assertThat(r.model().asString()).isEqualTo(t.alias());
        assertThat(text(r)).isEqualTo(DataPlaneIT.reply(t, text));
        assertThat(r.usage().orElseThrow().inputTokens()).isEqualTo(DataPlaneIT.promptTokens(kind, text));
        assertThat(r.usage().orElseThrow().outputTokens()).isEqualTo(TokenCounter.count(DataPlaneIT.reply(t, text)));

        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .contentType(ContentType.JSON).body(Map.of("model", t.alias(), "input", text, "instructions", "Be kind.",
                        "metadata", Map.of("case", kind)))
                .post("/v1/responses").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("Response", raw)).isEmpty();
        JsonNode body = JSON.readTree(raw);
        assertThat(body.get("instructions").asText()).isEqualTo("Be kind.");
        assertThat(body.at("/metadata/case").asText()).isEqualTo(kind);
        assertThat(body.get("status").asText()).isEqualTo("completed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void aStreamReassemblesExactlyIntoTheSyncAnswer(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        String text = "Stream this response: " + kind + " 🚀 ünïcødé";
        Response sync = client.responses().create(ask(t, text));
        StringBuilder deltas = new StringBuilder();
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ask(t, text))) {
            stream.stream().forEach(e -> {
                events.add(e);
                e.outputTextDelta().ifPresent(d -> deltas.append(d.delta()));
            });
        }
        Response completed = events.getLast().completed().orElseThrow().response();
        assertThat(deltas.toString()).isEqualTo(text(sync));
        assertThat(text(completed)).isEqualTo(text(sync));
        assertThat(completed.usage().orElseThrow().inputTokens()).isEqualTo(sync.usage().orElseThrow().inputTokens());
        assertThat(completed.usage().orElseThrow().outputTokens()).isEqualTo(sync.usage().orElseThrow().outputTokens());
        assertThat(events.getFirst().isCreated()).isTrue();

        List<Sse.Event> raw = Sse.named(url(), t.appKey(), JSON.writeValueAsString(Map.of("model", t.alias(), "input", text,
                "stream", true)), Map.of());
        List<String> types = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            JsonNode data = JSON.readTree(raw.get(i).data());
            assertThat(data.get("type").asText()).as("the event's name is its type").isEqualTo(raw.get(i).name());
            assertThat(data.get("sequence_number").asInt()).isEqualTo(i);
            assertThat(OpenAiSchemas.validate("ResponseStreamEvent", data)).as(raw.get(i).data()).isEmpty();
            types.add(raw.get(i).name());
        }
        assertThat(types.subList(0, 4)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added");
        assertThat(types.subList(types.size() - 4, types.size())).containsExactly("response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed");
    }

    static FunctionTool weatherTool() {
        return FunctionTool.builder().name("get_weather").description("The weather in a city")
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .strict(true).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void aFunctionToolRoundTripEndsWithTheAnswer(String kind) {
        Fixtures.Tenant t = tenant(kind);
        OpenAIClient client = Fixtures.openAi(t.appKey());
        String question = "What is the weather in Paris?";
        Response first = client.responses().create(ResponseCreateParams.builder().model(t.alias()).input(question)
                .addTool(weatherTool()).build());
        ResponseFunctionToolCall call = first.output().stream().flatMap(o -> o.functionCall().stream()).findFirst().orElseThrow();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).contains("\"city\"");

        // the same call streamed: the arguments arrive whole
        StringBuilder streamedArguments = new StringBuilder();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                .model(t.alias()).input(question).addTool(weatherTool()).build())) {
            stream.stream().forEach(e -> e.functionCallArgumentsDone().ifPresent(d -> streamedArguments.append(d.arguments())));
        }
        assertThat(streamedArguments.toString()).isEqualTo(call.arguments());

        List<ResponseInputItem> input = List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content(question).build()),
                ResponseInputItem.ofFunctionCall(call),
                ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                        .output("18 degrees and sunny").build()));
        Response answer = client.responses().create(ResponseCreateParams.builder().model(t.alias()).inputOfResponse(input)
                .addTool(weatherTool()).build());
        assertThat(text(answer)).isEqualTo("Tool result: 18 degrees and sunny");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void structuredOutputParsesAndMatchesTheSchema(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        Map<String, Object> schema = Map.of("type", "object",
                "properties", Map.of("city", Map.of("type", "string"), "temperature", Map.of("type", "integer")),
                "required", List.of("city", "temperature"), "additionalProperties", false);
        ResponseFormatTextJsonSchemaConfig.Schema.Builder s = ResponseFormatTextJsonSchemaConfig.Schema.builder();
        schema.forEach((k, v) -> s.putAdditionalProperty(k, JsonValue.from(v)));
        Response r = Fixtures.openAi(t.appKey()).responses().create(ResponseCreateParams.builder().model(t.alias())
                .input("Weather in Oslo as JSON").text(ResponseTextConfig.builder().format(ResponseFormatTextJsonSchemaConfig.builder()
                        .name("weather").schema(s.build()).strict(true).build()).build()).build());
        JsonNode answer = JSON.readTree(text(r));
        assertThat(answer.get("city").isTextual()).isTrue();
        assertThat(answer.get("temperature").isInt()).isTrue();
        assertThat(answer.size()).isEqualTo(2);
        assertThat(r.text().orElseThrow().format().orElseThrow().isJsonSchema()).isTrue();
    }

    @Test
    void badRequestsGetTypedErrorsInOpenAisEnvelope() {
        Fixtures.Tenant t = tenant("openai");
        OpenAIClient client = Fixtures.openAi(t.appKey());
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model(t.alias()).input("x")
                .maxOutputTokens(5).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).contains("max_output_tokens");
                });
        assertThatThrownBy(() -> client.responses().create(ask(new Fixtures.Tenant(t.id(), "no-such-alias", t.appKey(), ""), "x")))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> Fixtures.openAi("sk-wrong-" + UUID.randomUUID()).responses().create(ask(t, "x")))
                .isInstanceOf(UnauthorizedException.class);
        given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey()).contentType(ContentType.JSON)
                .body("{\"model\":\"" + t.alias() + "\",\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]}")
                .post("/v1/responses").then().statusCode(400).body("error.param", org.hamcrest.Matchers.equalTo("input[0].type"));
        given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                .get("/v1/responses").then().statusCode(405).body("error.code", org.hamcrest.Matchers.equalTo("method_not_allowed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void aProviderFailingMidStreamEndsWithErrorAndResponseFailed(String kind) throws Exception {
        String model = Fixtures.uniqueModel("rdrop");
        Fixtures.Tenant t = Fixtures.tenantWithAlias(kind, model);
        Fixtures.awaitRoute(() -> Fixtures.openAi(t.appKey()).models().retrieve(t.alias()));
        Fixtures.mockFault(Map.of("model", model, "drop_after", 2, "count", 1));
        List<Sse.Event> events = Sse.named(url(), t.appKey(), JSON.writeValueAsString(Map.of("model", t.alias(),
                "input", "please fail in the middle of this answer", "stream", true)), Map.of());
        Fixtures.clearMockFaults();
        assertThat(events.stream().filter(e -> e.name().equals("response.output_text.delta")).count()).isEqualTo(2);
        Sse.Event error = events.get(events.size() - 2);
        Sse.Event failed = events.getLast();
        assertThat(error.name()).isEqualTo("error");
        assertThat(failed.name()).isEqualTo("response.failed");
        for (int i = 0; i < events.size(); i++) {
            JsonNode data = JSON.readTree(events.get(i).data());
            assertThat(data.get("sequence_number").asInt()).isEqualTo(i);
            assertThat(OpenAiSchemas.validate("ResponseStreamEvent", data)).as(events.get(i).data()).isEmpty();
        }
        assertThat(JSON.readTree(failed.data()).at("/response/status").asText()).isEqualTo("failed");
        assertThat(events).noneMatch(e -> e.name().equals("response.completed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic"})
    void usageIsMeteredExactlyUnderTheResponsesEndpoint(String kind) throws Exception {
        Fixtures.Tenant t = tenant(kind);
        String text = "Meter this response, " + kind;
        for (boolean stream : new boolean[]{false, true}) {
            String id = "resp-usage-" + stream + "-" + UUID.randomUUID();
            String body = JSON.writeValueAsString(Map.of("model", t.alias(), "input", text, "stream", stream));
            if (stream) {
                assertThat(Sse.named(url(), t.appKey(), body, Map.of("x-request-id", id)).getLast().name()).isEqualTo("response.completed");
            } else {
                given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + t.appKey())
                        .header("x-request-id", id).contentType(ContentType.JSON).body(body)
                        .post("/v1/responses").then().statusCode(200).header("x-request-id", id);
            }
            io.restassured.path.json.JsonPath row = StreamingIT.usageRow(t, id);
            assertThat(row.getString("data[0].endpoint")).isEqualTo("responses");
            assertThat(row.getLong("data[0].prompt_tokens")).isEqualTo(DataPlaneIT.promptTokens(kind, text));
            assertThat(row.getLong("data[0].completion_tokens")).isEqualTo(TokenCounter.count(DataPlaneIT.reply(t, text)));
            assertThat(row.getBoolean("data[0].estimated")).isFalse();
            assertThat(row.getBoolean("data[0].stream")).isEqualTo(stream);
        }
    }

    // ---------------------------------------------------------------- stored responses

    @Test
    void storedResponsesAreReadChainedListedAndDeletedByTheirTenantOnly() throws Exception {
        Fixtures.Tenant a = Fixtures.tenantWithAlias("openai", Fixtures.uniqueModel("store"));
        Fixtures.Tenant b = Fixtures.tenantWithAlias("openai", Fixtures.uniqueModel("store"));
        OpenAIClient client = Fixtures.openAi(a.appKey());
        OpenAIClient other = Fixtures.openAi(b.appKey());
        Fixtures.awaitRoute(() -> client.models().retrieve(a.alias()));
        Fixtures.awaitRoute(() -> other.models().retrieve(b.alias()));

        Response first = client.responses().create(ask(a, "My name is Ada."));
        assertThat(first._additionalProperties().get("store")).isEqualTo(JsonValue.from(true));
        Response read = client.responses().retrieve(first.id());
        assertThat(read.id()).isEqualTo(first.id());
        assertThat(text(read)).isEqualTo(text(first));
        String raw = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + a.appKey())
                .get("/v1/responses/" + first.id()).then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("Response", raw)).isEmpty();

        // chained: the previous input and output come before the new input (the prompt counts all three messages)
        Response second = client.responses().create(ResponseCreateParams.builder().model(a.alias()).input("What is my name?")
                .previousResponseId(first.id()).build());
        assertThat(second.previousResponseId()).contains(first.id());
        assertThat(second.usage().orElseThrow().inputTokens()).isEqualTo(TokenCounter.countMessages(JSON.readTree(
                JSON.writeValueAsString(List.of(Map.of("role", "user", "content", "My name is Ada."),
                        Map.of("role", "assistant", "content", text(first)),
                        Map.of("role", "user", "content", "What is my name?"))))));
        String items = given().baseUri(E2eStack.get().url("gateway")).header("Authorization", "Bearer " + a.appKey())
                .get("/v1/responses/" + second.id() + "/input_items").then().statusCode(200).extract().asString();
        assertThat(OpenAiSchemas.validate("ResponseItemList", items)).isEmpty();
        JsonNode list = JSON.readTree(items);
        assertThat(list.get("data")).hasSize(3);
        assertThat(list.at("/data/0/content/0/text").asText()).as("newest first").isEqualTo("What is my name?");
        assertThat(list.at("/data/2/content/0/text").asText()).isEqualTo("My name is Ada.");
        JsonNode ascending = JSON.readTree(given().baseUri(E2eStack.get().url("gateway"))
                .header("Authorization", "Bearer " + a.appKey()).queryParam("order", "asc").queryParam("limit", 2)
                .get("/v1/responses/" + second.id() + "/input_items").then().statusCode(200).extract().asString());
        assertThat(ascending.get("data")).hasSize(2);
        assertThat(ascending.get("has_more").asBoolean()).isTrue();
        assertThat(ascending.at("/data/0/content/0/text").asText()).isEqualTo("My name is Ada.");

        // another tenant: the response does not exist for it, not even as a previous response
        assertThatThrownBy(() -> other.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> other.responses().delete(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> other.responses().create(ResponseCreateParams.builder().model(b.alias()).input("x")
                .previousResponseId(first.id()).build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.param()).contains("previous_response_id"));

        // an id that is no response id reaches no key
        assertThatThrownBy(() -> client.responses().retrieve("x:" + first.id())).isInstanceOf(NotFoundException.class);

        // store: false keeps nothing
        Response unstored = client.responses().create(ResponseCreateParams.builder().model(a.alias()).input("forget me")
                .store(false).build());
        assertThat(unstored._additionalProperties().get("store")).isEqualTo(JsonValue.from(false));
        assertThatThrownBy(() -> client.responses().retrieve(unstored.id())).isInstanceOf(NotFoundException.class);

        // a streamed response is stored as it completed
        Response streamed;
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ask(a, "stream and store"))) {
            streamed = stream.stream().filter(ResponseStreamEvent::isCompleted).findFirst().orElseThrow().completed().orElseThrow()
                    .response();
        }
        assertThat(text(client.responses().retrieve(streamed.id()))).isEqualTo(text(streamed));

        client.responses().delete(first.id());
        assertThatThrownBy(() -> client.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.responses().delete(first.id())).isInstanceOf(NotFoundException.class);
        assertThat(client.responses().retrieve(second.id()).id()).as("the chained response stays").isEqualTo(second.id());
    }

    // ---------------------------------------------------------------- native pass-through

    @Test
    void aProviderServingResponsesGetsThemPassedThrough() throws Exception {
        String model = Fixtures.uniqueModel("native");
        Fixtures.Tenant t = Fixtures.tenantWithAlias("openai", model, Map.of("responses_api", "native"));
        OpenAIClient client = Fixtures.openAi(t.appKey());
        Fixtures.awaitRoute(() -> client.models().retrieve(t.alias()));
        String text = "Native responses, please";
        Response sync = client.responses().create(ask(t, text));
        assertThat(sync.model().asString()).isEqualTo(t.alias());
        assertThat(text(sync)).isEqualTo(MockProviderServer.REPLY_PREFIX + model + ": " + text);
        assertThat(sync.usage().orElseThrow().inputTokens()).isEqualTo(DataPlaneIT.promptTokens("openai", text));
        StringBuilder deltas = new StringBuilder();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ask(t, text))) {
            stream.stream().forEach(e -> e.outputTextDelta().ifPresent(d -> deltas.append(d.delta())));
        }
        assertThat(deltas.toString()).isEqualTo(text(sync));
        Response call = client.responses().create(ResponseCreateParams.builder().model(t.alias()).input("weather in Rome?")
                .addTool(weatherTool()).build());
        assertThat(call.output().getFirst().functionCall().orElseThrow().name()).isEqualTo("get_weather");
        // chaining works through the gateway's own store: the provider gets the whole input, no previous_response_id
        Response chained = client.responses().create(ResponseCreateParams.builder().model(t.alias()).input("and again")
                .previousResponseId(sync.id()).build());
        assertThat(text(chained)).endsWith("and again");

        List<Map<String, Object>> journal = given().get(E2eStack.get().mockBase() + "/_mock/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        List<Map<String, Object>> mine = journal.stream().filter(r -> r.get("body") instanceof Map<?, ?> body
                && model.equals(body.get("model"))).toList();
        assertThat(mine).isNotEmpty().allSatisfy(r -> assertThat(r.get("path")).isEqualTo("/v1/responses"));
        Map<?, ?> last = (Map<?, ?>) mine.getLast().get("body");
        assertThat(last.containsKey("previous_response_id")).isFalse();
        assertThat((List<?>) last.get("input")).hasSize(3);
    }
}
