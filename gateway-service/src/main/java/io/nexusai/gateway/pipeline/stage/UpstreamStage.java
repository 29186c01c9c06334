package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.TranslatedChunk;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.upstream.UpstreamCredentials;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Steps 5 and 7, request adaptation and response normalisation around the upstream call: the translator turns
 * the client's request into the provider's, the upstream credential strategy signs it, and the answer comes
 * back in OpenAI's format with the alias as {@code model}.
 */
public final class UpstreamStage implements Stage {
    private static final Logger LOG = Logger.getLogger(UpstreamStage.class);
    private final UpstreamClient upstream;
    private final Translators translators;
    private final GatewayConfig config;

    public UpstreamStage(UpstreamClient upstream, Translators translators, GatewayConfig config) {
        this.upstream = upstream;
        this.translators = translators;
        this.config = config;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        Selection selection = ctx.get(Selection.class);
        Translator translator = translators.chat(selection.target(), parsed.model());
        UpstreamRequest call = translator.request(parsed.body());
        long upstreamStart = System.nanoTime();

        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(call.url())
                .setIdleTimeout(config.upstream().requestTimeout().toMillis());
        upstream.client().request(options).compose(request -> {
            request.putHeader("Content-Type", "application/json");
            request.putHeader("Accept", "application/json");
            request.putHeader("User-Agent", "NexusAI-Gateway");
            request.putHeader("x-request-id", ctx.requestId());
            UpstreamCredentials.apply(selection.target(), request);
            return request.send(call.body());
        }).compose(response -> response.body().map(body -> new Object[]{response, body}))
                .onSuccess(pair -> {
                    HttpClientResponse response = (HttpClientResponse) pair[0];
                    io.vertx.core.buffer.Buffer body = (io.vertx.core.buffer.Buffer) pair[1];
                    ctx.attach(UpstreamTiming.class, new UpstreamTiming(System.nanoTime() - upstreamStart, response.statusCode()));
                    translator.responseHeaders(response.statusCode(), response.headers());
                    if (response.statusCode() / 100 != 2) {
                        ctx.fail(translator.error(response.statusCode(), body, response.headers()));
                        return;
                    }
                    try {
                        TranslatedChunk out = translator.responseBody(body, true);
                        ctx.attach(TokenUsage.class, out.usage() == null ? TokenUsage.NONE : out.usage());
                        ctx.responseHeaders().set("Content-Type", "application/json");
                        ctx.responseHeaders().set("x-nexus-provider", selection.target().deployment().providerName());
                        ctx.response(200, out.bytes());
                        ctx.respond();
                    } catch (ApiException e) {
                        ctx.fail(e);
                    }
                })
                .onFailure(failure -> {
                    ctx.attach(UpstreamTiming.class, new UpstreamTiming(System.nanoTime() - upstreamStart, 0));
                    ctx.fail(connectionFailure(selection, failure));
                });
    }

    private static ApiException connectionFailure(Selection selection, Throwable failure) {
        String provider = selection.target().deployment().providerName();
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' did not answer in time.",
                    null, "upstream_timeout", List.of(), null);
        }
        LOG.warnf("upstream %s unreachable: %s", selection.target(), failure.toString());
        String why = failure instanceof ConnectException ? "could not be reached" : "closed the connection";
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' " + why + ".",
                null, "upstream_unreachable", List.of(), null);
    }

    /** How long the upstream took and what it answered (0 when it never answered). */
    public record UpstreamTiming(long nanos, int status) {
    }
}
