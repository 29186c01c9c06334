package io.nexusai.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.mock.TokenCounter;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The walking skeleton end to end: openai-java → gateway → mock provider, then the usage back from metering. */
@Order(1)
class ChatCompletionIT {

    @Test
    void chatCompletionAnswersWithTheAliasAndIsMeteredWithTheProvidersTokenCounts() throws Exception {
        E2eStack stack = E2eStack.get();
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o-mini");
        OpenAIClient client = Fixtures.openAi(tenant.appKey());
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(tenant.alias())
                .addSystemMessage("Be brief.")
                .addUserMessage("Hello, NexusAI!")
                .temperature(0.7)
                .maxCompletionTokens(500)
                .build();

        HttpResponseFor<ChatCompletion> raw = Fixtures.awaitRoute(() -> client.chat().completions().withRawResponse().create(params));
        ChatCompletion completion = raw.parse();
        String requestId = raw.headers().values("x-request-id").get(0);

        String content = completion.choices().get(0).message().content().orElseThrow();
        assertThat(completion.model()).isEqualTo(tenant.alias());
        assertThat(content).isEqualTo(MockProviderServer.REPLY_PREFIX + "gpt-4o-mini: Hello, NexusAI!");
        ObjectMapper json = new ObjectMapper();
        long expectedPrompt = TokenCounter.countMessages(json.readTree(
                "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello, NexusAI!\"}]"));
        long expectedCompletion = TokenCounter.count(content);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(expectedPrompt);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(expectedCompletion);
        assertThat(raw.headers().values("x-nexus-provider")).containsExactly("mock-" + tenant.alias().substring(6));

        // the provider got the real model name and the provider key, never the client's key
        List<Map<String, Object>> upstream = given().get(stack.mockEndpoint().replace("/v1", "") + "/_mock/requests")
                .then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, Object> sent = upstream.stream().filter(r -> requestId.equals(((Map<?, ?>) r.get("headers")).get("x-request-id")))
                .findFirst().orElseThrow();
        assertThat(((Map<?, ?>) sent.get("headers")).get("authorization")).isEqualTo("Bearer " + E2eStack.MOCK_API_KEY);
        assertThat(((Map<?, ?>) sent.get("body")).get("model")).isEqualTo("gpt-4o-mini");
        assertThat(((Map<?, ?>) sent.get("body")).get("temperature")).isEqualTo(0.7f);
        assertThat(sent.toString()).doesNotContain(tenant.appKey());

        // metering has it, with the provider's token counts
        AtomicReference<JsonPath> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath events = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + tenant.appKey())
                    .queryParam("request_id", requestId).get("/v1/usage/events").then().statusCode(200).extract().jsonPath();
            assertThat(events.getList("data")).hasSize(1);
            found.set(events);
        });
        JsonPath event = found.get();
        assertThat(event.getLong("data[0].prompt_tokens")).isEqualTo(expectedPrompt);
        assertThat(event.getLong("data[0].completion_tokens")).isEqualTo(expectedCompletion);
        assertThat(event.getString("data[0].model")).isEqualTo(tenant.alias());
        assertThat(event.getString("data[0].real_model")).isEqualTo("gpt-4o-mini");
        assertThat(event.getString("data[0].tenant_id")).isEqualTo(tenant.id());
        assertThat(event.getInt("data[0].status")).isEqualTo(200);
        // gpt-4o-mini is priced by default: 0.15 in / 0.60 out per 1M tokens
        assertThat(event.getString("data[0].cost")).isNotEqualTo("0");

        JsonPath totals = given().baseUri(stack.url("metering")).header("Authorization", "Bearer " + tenant.appKey())
                .get("/v1/usage").then().statusCode(200).extract().jsonPath();
        assertThat(totals.getString("tenant_id")).isEqualTo(tenant.id());
        assertThat(totals.getLong("totals.prompt_tokens")).isGreaterThanOrEqualTo(expectedPrompt);
    }

    @Test
    void anotherTenantsKeyCannotReadThisTenantsUsage() {
        Fixtures.Tenant a = Fixtures.tenantWithAlias("gpt-4o");
        Fixtures.Tenant b = Fixtures.tenantWithAlias("gpt-4o");
        given().baseUri(E2eStack.get().url("metering")).header("Authorization", "Bearer " + b.appKey())
                .queryParam("tenant_id", a.id()).get("/v1/usage").then().statusCode(403);
        assertThat(given().baseUri(E2eStack.get().url("metering")).header("Authorization", "Bearer " + b.appKey())
                .get("/v1/usage").then().statusCode(200).extract().jsonPath().getString("tenant_id")).isEqualTo(b.id());
    }

}
