package io.nexusai.gateway.api;

import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.config.GatewayConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Set;

/**
 * Cross-origin access of web pages to the {@code /v1} APIs ({@code nexus.gateway.cors.origins}): preflights answered
 * for the configured origins, {@code Access-Control-Allow-Origin} on their answers, and the headers a client reads
 * (request id, rate limits, {@code Retry-After}, the deployment that served) exposed to scripts. A request from an
 * origin not allowed gets 403 in OpenAI's error envelope. Credentials (cookies) are never allowed: the APIs
 * authenticate by key, so a page calls them with a short-lived session key. Vert.x Web's {@link CorsHandler} does
 * the protocol, ahead of every {@code /v1} route; with no origins configured nothing is registered (no cost per request).
 */
@ApplicationScoped
public class BrowserAccess {
    /** Answer headers a browser script may read. */
    static final Set<String> EXPOSED = Set.of("x-request-id", "retry-after", "x-nexus-provider", "x-nexus-deployment",
            "x-nexus-attempts", "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
            "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens");

    private final GatewayConfig.Cors config;

    public BrowserAccess(GatewayConfig config) {
        this.config = config.cors();
    }

    void register(@Observes Router router) {
        List<String> origins = config.origins().orElse(List.of()).stream().map(String::trim).filter(o -> !o.isEmpty()).toList();
        if (origins.isEmpty()) {
            return;
        }
        CorsHandler cors = origins.contains("*") ? CorsHandler.create() : CorsHandler.create().addOrigins(origins);
        // no allowed headers listed: a preflight's Access-Control-Request-Headers are allowed as asked (SDKs send
        // headers of their own, such as OpenAI's x-stainless-*; what authenticates is the key, not a header list)
        cors.allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE))
                .exposedHeaders(EXPOSED)
                .allowCredentials(false)
                .maxAgeSeconds((int) Math.min(Integer.MAX_VALUE, config.maxAge().toSeconds()));
        router.route("/v1/*").order(-200).handler(cors).failureHandler(ctx -> {
            if (ctx.statusCode() == 403) {
                OpenAiRoutes.write(ctx, new ApiException(403, ErrorType.PERMISSION, "Origin "
                        + OpenAiRoutes.truncate(String.valueOf(ctx.request().getHeader("Origin")))
                        + " may not call this API from a browser (nexus.gateway.cors.origins).", null, "origin_not_allowed"));
            } else {
                ctx.next();
            }
        });
    }
}
