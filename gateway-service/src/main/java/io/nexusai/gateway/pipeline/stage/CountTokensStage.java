package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.ingress.anthropic.MessagesToChatRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.provider.anthropic.AnthropicMessagesPassthrough;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.upstream.UpstreamCredentials;
import io.nexusai.gateway.usage.TokenEstimator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;

/**
 * {@code POST /v1/messages/count_tokens} (Anthropic's token counting) for an alias the key may use: asked of the
 * alias's Anthropic deployment when it is one (its own count, exact), otherwise — or when that deployment does not
 * answer with a count — counted by the gateway's tokenizer over the request as chat completions would see it.
 * Answers {@code {"input_tokens":N}}. Counting generates nothing: no usage is recorded and no limit charged.
 */
public final class CountTokensStage implements Stage {
    private final RouteSnapshotStore routes;
    private final UpstreamClient upstream;
    private final TokenEstimator estimator;
    private final ObjectMapper mapper;
    private final MessagesToChatRequest requests;

    public CountTokensStage(RouteSnapshotStore routes, UpstreamClient upstream, TokenEstimator estimator, ObjectMapper mapper) {
        this.routes = routes;
        this.upstream = upstream;
        this.estimator = estimator;
        this.mapper = mapper;
        this.requests = new MessagesToChatRequest(mapper);
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        ObjectNode body = body(ctx);
        // the same checks as a Messages call, but max_tokens, which counting does not take
        ObjectNode asMessages = body.deepCopy();
        if (!asMessages.hasNonNull("max_tokens")) {
            asMessages.put("max_tokens", 1);
        }
        String alias = MessagesToChatRequest.validate(asMessages);
        RouteTable table = routes.table();
        if (table == null) {
            throw ApiException.unavailable("The gateway has not loaded its routes yet; retry shortly.");
        }
        RouteTable.Route route = table.route(alias);
        if (route == null || route.targets().isEmpty() || !ctx.get(Principal.class).mayUse(alias)) {
            throw ApiException.modelNotFound(alias);
        }
        long estimate = estimator.prompt("chat.completions", requests.toChat(asMessages));
        Target target = route.targets().get(0);
        if (target.deployment().providerKind() != ProviderKind.ANTHROPIC) {
            answer(ctx, estimate);
            return;
        }
        UpstreamRequest call = new AnthropicMessagesPassthrough(mapper, target.deployment(), alias,
                ctx.http().request().getHeader("anthropic-version"), ctx.http().request().getHeader("anthropic-beta")).countTokens(body);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(call.url())
                .setConnectTimeout(route.policy().connectTimeoutMs()).setIdleTimeout(route.policy().firstByteTimeoutMs());
        upstream.client().request(options)
                .compose(request -> {
                    request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
                    call.headers().forEach(request::putHeader);
                    UpstreamCredentials.apply(target, request, call);
                    return request.send(call.body());
                })
                .compose(response -> response.body().compose(answer -> response.statusCode() == 200 ? Future.succeededFuture(answer)
                        : Future.failedFuture("HTTP " + response.statusCode())))
                .onComplete(counted -> answer(ctx, counted.succeeded() ? upstreamCount(counted.result(), estimate) : estimate));
    }

    private long upstreamCount(Buffer answer, long estimate) {
        try {
            JsonNode count = mapper.readTree(answer.getBytes()).path("input_tokens");
            return count.isIntegralNumber() ? count.asLong() : estimate;
        } catch (IOException e) {
            return estimate;
        }
    }

    private void answer(ProxyContext ctx, long inputTokens) {
        ctx.responseHeaders().set("Content-Type", "application/json");
        ctx.response(200, Buffer.buffer("{\"input_tokens\":" + inputTokens + "}"));
        ctx.respond();
    }

    private ObjectNode body(ProxyContext ctx) {
        Buffer raw = ctx.body();
        if (raw == null || raw.length() == 0) {
            throw ApiException.badRequest("The request body is empty: send a JSON object.", null);
        }
        try {
            if (mapper.readTree(raw.getBytes()) instanceof ObjectNode body) {
                return body;
            }
        } catch (IOException e) {
            throw ApiException.badRequest("The request body is not valid JSON.", null);
        }
        throw ApiException.badRequest("The request body must be a JSON object.", null);
    }
}
