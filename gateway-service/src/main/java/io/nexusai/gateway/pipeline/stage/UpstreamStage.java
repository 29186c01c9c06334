package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.upstream.UpstreamCredentials;
import io.nexusai.gateway.upstream.UpstreamStream;
import io.nexusai.gateway.usage.StreamUsagePolicy;
import io.nexusai.gateway.usage.TokenEstimator;
import io.nexusai.gateway.usage.UsageMeter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;

/**
 * Steps 5 and 7, request adaptation and response normalisation around the upstream call: the translator turns
 * the client's request into the provider's, the credential strategy signs it, and the answer comes back in
 * OpenAI's format with the alias as {@code model}. Streams flow event by event ({@link UpstreamStream}); a
 * client that leaves cancels the upstream call.
 */
public final class UpstreamStage implements Stage {
    private static final Logger LOG = Logger.getLogger(UpstreamStage.class);
    private final UpstreamClient upstream;
    private final Translators translators;
    private final TokenEstimator estimator;
    private final ObjectMapper mapper;
    private final GatewayConfig config;

    public UpstreamStage(UpstreamClient upstream, Translators translators, TokenEstimator estimator, ObjectMapper mapper,
                         GatewayConfig config) {
        this.upstream = upstream;
        this.translators = translators;
        this.estimator = estimator;
        this.mapper = mapper;
        this.config = config;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        Selection selection = ctx.get(Selection.class);
        Translator translator = translators.create(parsed.endpoint(), selection.target(), parsed.model());
        UsageMeter meter = new UsageMeter(estimator, parsed);
        ctx.attach(UsageMeter.class, meter);
        StreamUsagePolicy policy = parsed.stream() ? StreamUsagePolicy.apply(parsed.body()) : null;
        UpstreamRequest call = translator.request(parsed.body(), parsed.stream());
        long upstreamStart = System.nanoTime();

        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(call.url())
                .setIdleTimeout(config.upstream().readTimeout().toMillis());
        upstream.client().request(options).onComplete(opened -> {
            if (opened.failed()) {
                fail(ctx, selection, upstreamStart, opened.cause());
                return;
            }
            HttpClientRequest request = opened.result();
            request.putHeader("Content-Type", "application/json");
            request.putHeader("Accept", parsed.stream() ? "text/event-stream" : "application/json");
            request.putHeader("User-Agent", "NexusAI-Gateway");
            request.putHeader("x-request-id", ctx.requestId());
            call.headers().forEach(request::putHeader);
            UpstreamCredentials.apply(selection.target(), request);
            ctx.onClientClose(() -> request.reset());
            request.send(call.body()).onComplete(answered -> {
                if (answered.failed()) {
                    fail(ctx, selection, upstreamStart, answered.cause());
                    return;
                }
                HttpClientResponse response = answered.result();
                ctx.attach(UpstreamTiming.class, new UpstreamTiming(System.nanoTime() - upstreamStart, response.statusCode()));
                translator.responseHeaders(response.statusCode(), response.headers());
                if (response.statusCode() / 100 != 2) {
                    response.body().onComplete(body -> ctx.fail(translator.error(response.statusCode(),
                            body.succeeded() ? body.result() : Buffer.buffer(), response.headers())));
                } else if (parsed.stream()) {
                    response.pause();
                    ctx.responseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                    ctx.responseHeaders().set("Cache-Control", "no-cache");
                    ctx.responseHeaders().set("x-nexus-provider", selection.target().deployment().providerName());
                    UpstreamStream stream = new UpstreamStream(ctx, request, response, translator, policy, meter, mapper);
                    ctx.onClientClose(stream::clientGone);
                    ctx.streamResponse(200, stream);
                    ctx.respond();
                } else {
                    response.body().onComplete(body -> {
                        if (body.failed()) {
                            fail(ctx, selection, upstreamStart, body.cause());
                            return;
                        }
                        try {
                            Translated out = translator.response(body.result());
                            meter.started();
                            meter.reported(out.usage());
                            meter.delivered(out.body());
                            ctx.responseHeaders().set("Content-Type", "application/json");
                            ctx.responseHeaders().set("x-nexus-provider", selection.target().deployment().providerName());
                            ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(out.body())));
                            ctx.respond();
                        } catch (ApiException e) {
                            ctx.fail(e);
                        } catch (IOException e) {
                            ctx.fail(e);
                        }
                    });
                }
            });
        });
    }

    private static void fail(ProxyContext ctx, Selection selection, long upstreamStart, Throwable failure) {
        ctx.attach(UpstreamTiming.class, new UpstreamTiming(System.nanoTime() - upstreamStart, 0));
        if (!ctx.clientClosed()) {
            ctx.fail(connectionFailure(selection.target().deployment().providerName(), selection.target().toString(), failure));
        }
    }

    /** An upstream that could not be reached or did not answer, as the client sees it. */
    public static ApiException connectionFailure(String provider, String target, Throwable failure) {
        if (failure instanceof java.util.concurrent.TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' did not answer in time.",
                    null, "upstream_timeout", List.of(), null);
        }
        LOG.warnf("upstream %s failed: %s", target, failure.toString());
        String why = failure instanceof ConnectException ? "could not be reached" : "closed the connection";
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' " + why + ".",
                null, "upstream_unreachable", List.of(), null);
    }

    /** How long the upstream took to answer (headers) and its status (0 when it never answered). */
    public record UpstreamTiming(long nanos, int status) {
    }
}
