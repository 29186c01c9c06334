package io.nexusai.e2e;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/** Bad input on the gateway surfaces as OpenAI's envelope and the SDK's typed exceptions; never a 500. */
@Order(2)
class ErrorsIT {

    static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build();
    }

    @Test
    void errorStatusesBecomeTheSdksTypedExceptions() {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o");
        OpenAIClient client = Fixtures.openAi(tenant.appKey());
        Fixtures.awaitRoute(() -> client.chat().completions().create(chat(tenant.alias())));

        assertThatThrownBy(() -> Fixtures.openAi("nx-app-not-a-real-key").chat().completions().create(chat(tenant.alias())))
                .isInstanceOf(UnauthorizedException.class)
                .satisfies(e -> assertThat(((UnauthorizedException) e).statusCode()).isEqualTo(401));
        assertThatThrownBy(() -> client.chat().completions().create(chat("no-such-model")))
                .isInstanceOf(NotFoundException.class)
                .satisfies(e -> {
                    NotFoundException nf = (NotFoundException) e;
                    assertThat(nf.code()).contains("model_not_found");
                    assertThat(nf.param()).contains("model");
                    assertThat(nf.type()).contains("invalid_request_error");
                });

        String scoped = Fixtures.appKey(tenant.id(), List.of("some-other-alias"));
        Fixtures.awaitRoute(() -> {
            try {
                return Fixtures.openAi(scoped).chat().completions().create(chat(tenant.alias()));
            } catch (PermissionDeniedException expected) {
                return null;
            }
        });
        assertThatThrownBy(() -> Fixtures.openAi(scoped).chat().completions().create(chat(tenant.alias())))
                .isInstanceOf(PermissionDeniedException.class);

        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(tenant.alias()).messages(List.of()).build()))
                .isInstanceOf(BadRequestException.class);
    }

    @Test
    void rawBadInputGetsTheEnvelopeWith400Or401() {
        Fixtures.Tenant tenant = Fixtures.tenantWithAlias("gpt-4o");
        String gateway = E2eStack.get().url("gateway");
        given().baseUri(gateway).header("Authorization", "Bearer " + tenant.appKey()).contentType(ContentType.JSON)
                .body("{\"model\": \"" + tenant.alias() + "\", \"messages\": [").post("/v1/chat/completions").then()
                .statusCode(400).body("error.type", equalTo("invalid_request_error")).body("error.code", equalTo("invalid_json"));
        given().baseUri(gateway).header("Authorization", "Bearer " + tenant.appKey()).contentType(ContentType.JSON)
                .body("{\"model\": \"" + tenant.alias() + "\"}").post("/v1/chat/completions").then()
                .statusCode(400).body("error.param", equalTo("messages"));
        given().baseUri(gateway).contentType(ContentType.JSON)
                .body("{\"model\": \"" + tenant.alias() + "\", \"messages\": [{\"role\":\"user\",\"content\":\"x\"}]}")
                .post("/v1/chat/completions").then().statusCode(401).body("error.code", equalTo("invalid_api_key"))
                .body(not(containsString("Exception")));
    }
}
