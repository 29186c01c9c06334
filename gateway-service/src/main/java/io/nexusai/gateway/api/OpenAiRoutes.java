package io.nexusai.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.RequestIds;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorEnvelope;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.anomaly.AnomalyDetector;
import io.nexusai.gateway.anomaly.AnomalyStage;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.limits.RateLimiter;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.pipeline.InFlight;
import io.nexusai.gateway.pipeline.Pipeline;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.pipeline.stage.AdmitStage;
import io.nexusai.gateway.pipeline.stage.AuthenticateStage;
import io.nexusai.gateway.pipeline.stage.ListModelsStage;
import io.nexusai.gateway.pipeline.stage.NormaliseStage;
import io.nexusai.gateway.pipeline.stage.ParseStage;
import io.nexusai.gateway.pipeline.stage.RecordStage;
import io.nexusai.gateway.pipeline.stage.ResolveModelStage;
import io.nexusai.gateway.pipeline.stage.SelectProviderStage;
import io.nexusai.gateway.pipeline.stage.UpstreamStage;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.security.SignatureCheck;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.upstream.Failover;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.TokenEstimator;
import io.nexusai.gateway.usage.UsageEmitter;
import io.nexusai.service.auth.PrincipalCache;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.tracing.TracingConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI-compatible API on plain Vert.x routes (no JAX-RS on the hot path). Each model API (chat
 * completions, completions, embeddings) is a pipeline of stages in the order of the product README: parse,
 * authenticate, resolve model, select provider, adapt and call upstream, normalise; recording sees every
 * request at the end. The stages are stateless and shared by the pipelines; a request's state lives in its
 * context.
 */
@ApplicationScoped
public class OpenAiRoutes {
    private final Map<String, Pipeline> modelApis = new LinkedHashMap<>();
    private final Pipeline models;
    private final GatewayConfig config;
    private final AnomalyDetector anomalies;

    public OpenAiRoutes(ObjectMapper mapper, PrincipalCache principals, RouteSnapshotStore routes, UpstreamClient upstream,
                        Translators translators, TokenEstimator estimator, UsageEmitter usage, GatewayMetrics metrics,
                        SignatureCheck signatures, HealthRegistry health, GatewayConfig config,
                        RateLimiter limiter, PlatformSecrets secrets,
                        AnomalyDetector anomalies, InFlight inFlight,
                        @ConfigProperty(name = "nexus.log.requests", defaultValue = "true")
                        boolean logRequests,
                        TracingConfig tracing) {
        boolean sdkSpans = tracing.export();
        this.config = config;
        this.anomalies = anomalies;
        Stage anomaly = new AnomalyStage(anomalies);
        Stage record = new RecordStage(usage, metrics, config.limits().enabled(), logRequests);
        Stage authenticate = new AuthenticateStage(principals, signatures);
        Stage resolve = new ResolveModelStage(routes);
        Stage select = new SelectProviderStage(health);
        Stage admit = new AdmitStage(limiter, estimator, config.limits(), secrets.redisNames());
        Stage normalise = new NormaliseStage(mapper);
        Stage call = new UpstreamStage(upstream, new Failover.Services(translators, health, mapper, metrics), estimator);
        long maxBody = config.maxBodySize().asLongValue();
        for (Endpoint endpoint : Endpoint.values()) {
            modelApis.put("/v1/" + endpoint.openAiPath(), new Pipeline(List.of(record, anomaly, new ParseStage(mapper, endpoint),
                    authenticate, resolve, select, admit, normalise, call), sdkSpans, inFlight, maxBody, anomalies::refusedEarly));
        }
        this.models = new Pipeline(List.of(anomaly, authenticate, new ListModelsStage(routes, mapper)), sdkSpans, inFlight);
    }

    void register(@Observes Router router) {
        // the model APIs read their bodies themselves, within the replica's byte budget (Pipeline); the other /v1
        // routes (control-plane relays) get theirs from the body handler
        int order = -120;
        for (Map.Entry<String, Pipeline> api : modelApis.entrySet()) {
            router.post(api.getKey()).order(order++).handler(api.getValue()::handle);
            router.route(api.getKey()).order(order++).handler(ctx -> methodNotAllowed(ctx, "POST"));
        }
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodySize().asLongValue()).setHandleFileUploads(false);
        router.route("/v1/*").order(-100).handler(body).failureHandler(ctx -> {
            anomalies.refusedEarly(ctx, ctx.statusCode());
            failure(ctx);
        });
        order = -90;
        router.get("/v1/models").order(order++).handler(models::handle);
        router.get("/v1/models/*").order(order++).handler(models::handle);
        router.route("/v1/models").order(order++).handler(ctx -> methodNotAllowed(ctx, "GET"));
        router.route("/v1/*").order(order).handler(OpenAiRoutes::unknownUrl);
        // every other path of this port, last of all routes: the same 404 (not the server's HTML page)
        router.route().order(UNKNOWN_URL_ORDER).handler(OpenAiRoutes::unknownUrl);
    }

    /** After every route of the gateway's port (Quarkus' own and ours). */
    static final int UNKNOWN_URL_ORDER = 1_000_000;

    private static void unknownUrl(RoutingContext ctx) {
        write(ctx, new ApiException(404, ErrorType.INVALID_REQUEST, "Unknown request URL: " + ctx.request().method() + " "
                + truncate(ctx.request().path()) + ".", null, "unknown_url"));
    }

    private static void methodNotAllowed(RoutingContext ctx, String allowed) {
        ctx.response().putHeader("Allow", allowed);
        write(ctx, new ApiException(405, ErrorType.INVALID_REQUEST, "Method " + ctx.request().method()
                + " is not allowed on " + ctx.request().path() + "; use " + allowed + ".", null, "method_not_allowed"));
    }

    /** Failures before the pipeline (body too large, unreadable body) in OpenAI's format. */
    private static void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (status == 413) {
            write(ctx, new ApiException(413, ErrorType.INVALID_REQUEST, "The request body is too large.", null, "request_too_large"));
        } else if (status >= 400 && status < 500) {
            write(ctx, new ApiException(status, ErrorType.INVALID_REQUEST, "Malformed request.", null, null));
        } else {
            write(ctx, new ApiException(500, ErrorType.SERVER, "The server had an error while processing your request.", null, null));
        }
    }

    /**
     * An error answered before (or outside) a pipeline, with an {@code x-request-id} like every answer of the gateway:
     * the client's own when it sent a sane one, else a new one.
     */
    static void write(RoutingContext ctx, ApiException e) {
        if (ctx.response().ended()) {
            return;
        }
        ErrorEnvelope envelope = e.toEnvelope();
        withRequestId(ctx);
        ctx.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json").end(envelope.toJson());
    }

    /** Gives an answer made outside a pipeline its {@code x-request-id}: the client's own when it sent a sane one, else a new one. */
    static void withRequestId(RoutingContext ctx) {
        if (!ctx.response().headers().contains(RequestIds.HEADER)) {
            String presented = RequestIds.sanitize(ctx.request().getHeader(RequestIds.HEADER));
            ctx.response().putHeader(RequestIds.HEADER, presented != null ? presented : RequestIds.generate());
        }
    }

    static String truncate(String path) {
        String p = path.length() > 100 ? path.substring(0, 100) + "..." : path;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }

}
