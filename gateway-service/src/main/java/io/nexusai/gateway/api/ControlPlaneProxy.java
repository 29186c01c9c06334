package io.nexusai.gateway.api;

import io.nexusai.api.RequestIds;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.anomaly.AnomalyDetector;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.pipeline.RequestTrace;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.service.tracing.TracingConfig;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/**
 * The gateway is the only NexusAI service reachable from outside, so it relays the two client-facing control
 * plane APIs: {@code /v1/auth/...} (session keys) to auth-service and {@code /v1/usage...} to metering-service.
 * These are plain relays (method, path, query, body, the caller's Authorization); the services authenticate
 * the caller themselves. The caller's trace goes on to the service ({@link RequestTrace}).
 */
@ApplicationScoped
public class ControlPlaneProxy {
    private static final List<String> FORWARDED = List.of("Authorization", "Content-Type", "Accept");
    private final UpstreamClient http;
    private final String authUrl;
    private final String meteringUrl;

    private final AnomalyDetector anomalies;
    private final boolean sdkSpans;

    public ControlPlaneProxy(UpstreamClient http, GatewayConfig config,
                             @ConfigProperty(name = "quarkus.rest-client.auth-service.url") String authUrl,
                             AnomalyDetector anomalies,
                             TracingConfig tracing) {
        this.http = http;
        this.anomalies = anomalies;
        this.sdkSpans = tracing.export();
        this.authUrl = authUrl;
        this.meteringUrl = config.meteringUrl();
    }

    void register(@Observes Router router) {
        router.route("/v1/auth/*").order(-95).handler(ctx -> relay(ctx, authUrl, "authentication"));
        router.route("/v1/usage").order(-94).handler(ctx -> relay(ctx, meteringUrl, "usage"));
        router.route("/v1/usage/*").order(-93).handler(ctx -> relay(ctx, meteringUrl, "usage"));
    }

    private void relay(RoutingContext ctx, String base, String what) {
        String requestId = RequestIds.sanitize(ctx.request().getHeader(RequestIds.HEADER));
        RequestTrace trace = RequestTrace.of(ctx.request(), sdkSpans);
        RequestOptions options = new RequestOptions().setMethod(ctx.request().method())
                .setAbsoluteURI(base + ctx.request().uri()).setIdleTimeout(15_000);
        http.client().request(options).compose(request -> {
            for (String h : FORWARDED) {
                String v = ctx.request().getHeader(h);
                if (v != null) {
                    request.putHeader(h, v);
                }
            }
            request.putHeader(RequestIds.HEADER, requestId != null ? requestId : RequestIds.generate());
            // the relay's client is not traced by Vert.x (see UpstreamClient): the trace goes on by hand
            request.putHeader(RequestTrace.TRACEPARENT, trace.traceparent());
            if (trace.traceState() != null) {
                request.putHeader(RequestTrace.TRACESTATE, trace.traceState());
            }
            return ctx.body().buffer() == null ? request.send() : request.send(ctx.body().buffer());
        }).compose(response -> response.body().map(body -> {
            HttpClientResponse r = response;
            ctx.response().setStatusCode(r.statusCode());
            anomalies.relayed(ctx, r.statusCode(), r.getHeader(RequestIds.HEADER));
            String type = r.getHeader("Content-Type");
            if (type != null) {
                ctx.response().putHeader("Content-Type", type);
            }
            String id = r.getHeader(RequestIds.HEADER);
            if (id != null) {
                ctx.response().putHeader(RequestIds.HEADER, id);
            }
            return body;
        })).onComplete(done -> {
            if (ctx.response().ended()) {
                return;
            }
            if (done.succeeded()) {
                ctx.response().end(done.result());
            } else {
                ApiException e = ApiException.unavailable("The " + what + " service is unavailable; retry shortly.");
                ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json").end(e.toEnvelope().toJson());
            }
        });
    }

}
