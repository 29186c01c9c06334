package io.nexusai.e2e;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** The hot path needs no control-plane call for a repeat request: keys and routes come from cached snapshots. */
@Order(3)
class ControlPlaneOutageIT {

    @Test
    void repeatRequestSucceedsWithAuthAndRoutingStopped() {
        E2eStack stack = E2eStack.get();
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o");
        OpenAIClient client = Fixtures.openAi(tenant.appKey());
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(tenant.alias()).addUserMessage("first").build();
        Fixtures.awaitRoute(() -> client.chat().completions().create(params));

        stack.stopService("auth");
        stack.stopService("routing");
        try {
            assertThat(stack.isRunning("auth")).isFalse();
            assertThat(stack.isRunning("routing")).isFalse();
            ChatCompletion again = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(tenant.alias()).addUserMessage("second").build());
            assertThat(again.model()).isEqualTo(tenant.alias());
            assertThat(again.choices().get(0).message().content().orElseThrow()).endsWith(": second");

            // a key never seen before cannot be checked now: 503 in the envelope, not a 500
            given().baseUri(stack.url("gateway")).header("Authorization", "Bearer nx-app-neverseenbefore0000000000000000000000")
                    .contentType(ContentType.JSON)
                    .body("{\"model\":\"" + tenant.alias() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                    .post("/v1/chat/completions").then().statusCode(503).body("error.type", equalTo("service_unavailable"));
        } finally {
            stack.startService("auth");
            stack.startService("routing");
        }
    }
}
