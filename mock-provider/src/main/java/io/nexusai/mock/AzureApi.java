package io.nexusai.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.mock.OpenAiApi.Variant;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.BiConsumer;

/**
 * Azure OpenAI's data plane: {@code POST /openai/deployments/{deployment}/chat/completions}, {@code /completions}
 * and {@code /embeddings}. Each needs the {@code api-version} query parameter (else 404 {@code Resource not found})
 * and, when the server has a key, the {@code api-key} header (else 401). Bodies and behaviour are OpenAI's
 * ({@link OpenAiApi}); answers name the deployment as their model and carry Azure's content-filter annotations.
 */
final class AzureApi {
    /** Azure's message for a missing or wrong {@code api-key}. */
    static final String ACCESS_DENIED = "Access denied due to invalid subscription key or wrong API endpoint. "
            + "Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
            + "for your resource.";

    private final MockState mock;
    private final OpenAiApi openAi;

    AzureApi(MockState mock, OpenAiApi openAi) {
        this.mock = mock;
        this.openAi = openAi;
    }

    void register(Router router) {
        String deployment = "/openai/deployments/:deployment";
        router.post(deployment + "/chat/completions").handler(ctx -> handle(ctx, openAi::chat));
        router.post(deployment + "/completions").handler(ctx -> handle(ctx, openAi::completions));
        router.post(deployment + "/embeddings").handler(ctx -> handle(ctx, openAi::embeddings));
        router.route("/openai/*").handler(ctx -> Json.send(ctx.response(), 404, notFound()));
    }

    private void handle(RoutingContext ctx, BiConsumer<ApiCall, Variant> answer) {
        String deployment = ctx.pathParam("deployment");
        ApiCall call = ApiCall.open(ctx, mock, ErrorFormat.AZURE, deployment);
        if (call == null) {
            return;
        }
        String version = call.queryParam("api-version");
        if (version == null || version.isBlank()) {
            call.error(404, notFound());
            return;
        }
        if (mock.apiKey() != null && !mock.apiKey().equals(call.header("api-key"))) {
            call.error(401, ErrorFormat.azure("401", ACCESS_DENIED));
            return;
        }
        call.run(() -> answer.accept(call, new Variant(deployment)));
    }

    private static ObjectNode notFound() {
        return ErrorFormat.azure("404", "Resource not found");
    }
}
