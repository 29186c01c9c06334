package io.nexusai.gateway.api;

import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.config.GatewayConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Set;

/**
 * Cross-origin access of web pages to the {@code /v1} APIs, so that a browser app can call the gateway with a
 * (short-lived session) key. Two sources of allowed origins:
 * <ul>
 * <li>gateway-wide ({@code nexus.gateway.cors.origins}): Vert.x Web's {@link CorsHandler} does the protocol for them,
 * preflights and answers alike;</li>
 * <li>per tenant (the tenant's {@code cors_origins}, on by default with {@code nexus.gateway.cors.tenant-origins}): a
 * preflight carries no key, so any origin's preflight is answered — it grants nothing — and the request itself is
 * checked once its key is known ({@link #checkTenantOrigin}): allowed by the key's tenant, its answer is readable;
 * otherwise 403.</li>
 * </ul>
 * An origin allowed by neither gets 403 {@code origin_not_allowed} in OpenAI's envelope. Credentials (cookies) are
 * never allowed: the APIs authenticate by key. Requests without {@code Origin} (servers, SDKs) are not concerned, and
 * with neither source configured nothing is registered (no cost per request).
 */
@ApplicationScoped
public class BrowserAccess {
    /** Answer headers a browser script may read. */
    static final Set<String> EXPOSED = Set.of("x-request-id", "retry-after", "x-nexus-provider", "x-nexus-deployment",
            "x-nexus-attempts", "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
            "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens");
    private static final String EXPOSED_LIST = String.join(", ", EXPOSED);
    private static final String METHODS = "GET, POST, DELETE";
    /** Routing-context key of an origin that only the key's tenant may allow. */
    private static final String TENANT_ORIGIN = "nexus.cors.tenant-origin";

    private final GatewayConfig.Cors config;

    public BrowserAccess(GatewayConfig config) {
        this.config = config.cors();
    }

    void register(@Observes Router router) {
        List<String> origins = config.origins().orElse(List.of()).stream().map(String::trim).filter(o -> !o.isEmpty()).toList();
        boolean tenants = config.tenantOrigins();
        if (origins.isEmpty() && !tenants) {
            return;
        }
        boolean anyOrigin = origins.contains("*");
        CorsHandler cors = anyOrigin ? CorsHandler.create() : CorsHandler.create().addOrigins(origins);
        // no allowed headers listed: a preflight's Access-Control-Request-Headers are allowed as asked (SDKs send
        // headers of their own, such as OpenAI's x-stainless-*; what authenticates is the key, not a header list)
        cors.allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE))
                .exposedHeaders(EXPOSED)
                .allowCredentials(false)
                .maxAgeSeconds(maxAgeSeconds());
        router.route("/v1/*").order(-200).handler(ctx -> {
            String origin = ctx.request().getHeader("Origin");
            if (origin == null) {
                ctx.next();
            } else if (anyOrigin || origins.contains(origin)) {
                cors.handle(ctx);
            } else if (!tenants) {
                refuse(ctx, origin);
            } else if (ctx.request().method() == HttpMethod.OPTIONS && ctx.request().getHeader("Access-Control-Request-Method") != null) {
                preflight(ctx, origin);
            } else {
                ctx.put(TENANT_ORIGIN, origin);
                ctx.next();
            }
        }).failureHandler(ctx -> {
            if (ctx.statusCode() == 403) {
                refuse(ctx, ctx.request().getHeader("Origin"));
            } else {
                ctx.next();
            }
        });
    }

    /**
     * For a request whose origin only its key's tenant may allow: makes its answer readable by that origin, or
     * throws 403. Called once the key is known; nothing to do for requests without such an origin.
     */
    public static void checkTenantOrigin(RoutingContext http, Principal principal, MultiMap responseHeaders) {
        String origin = http.get(TENANT_ORIGIN);
        if (origin == null) {
            return;
        }
        if (!principal.allowsOrigin(origin)) {
            throw originNotAllowed(origin);
        }
        responseHeaders.set("Access-Control-Allow-Origin", origin);
        responseHeaders.set("Access-Control-Expose-Headers", EXPOSED_LIST);
        responseHeaders.add("Vary", "Origin");
    }

    private void preflight(RoutingContext ctx, String origin) {
        var response = ctx.response().setStatusCode(204)
                .putHeader("Access-Control-Allow-Origin", origin)
                .putHeader("Access-Control-Allow-Methods", METHODS)
                .putHeader("Access-Control-Max-Age", Integer.toString(maxAgeSeconds()))
                .putHeader("Vary", "Origin, Access-Control-Request-Headers");
        String headers = ctx.request().getHeader("Access-Control-Request-Headers");
        if (headers != null) {
            response.putHeader("Access-Control-Allow-Headers", headers);
        }
        OpenAiRoutes.withRequestId(ctx);
        response.end();
    }

    private static void refuse(RoutingContext ctx, String origin) {
        OpenAiRoutes.write(ctx, originNotAllowed(origin));
    }

    private static ApiException originNotAllowed(String origin) {
        return new ApiException(403, ErrorType.PERMISSION, "Origin " + OpenAiRoutes.truncate(String.valueOf(origin))
                + " may not call this API from a browser (nexus.gateway.cors.origins, or the tenant's cors_origins).",
                null, "origin_not_allowed");
    }

    private int maxAgeSeconds() {
        return (int) Math.min(Integer.MAX_VALUE, config.maxAge().toSeconds());
    }
}
