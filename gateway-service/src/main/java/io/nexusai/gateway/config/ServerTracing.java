package io.nexusai.gateway.config;

import io.nexusai.service.tracing.TracingConfig;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps OpenTelemetry's Vert.x instrumentation off the gateway's HTTP server unless spans are exported
 * ({@code NEXUS_TRACING_EXPORT=true}). That instrumentation opens an SDK span for every request, recorded or
 * not, which cost about 20 us of CPU per request on the bench machine, a third of the gateway's own budget.
 * Without it the gateway continues or starts each request's trace itself
 * ({@link io.nexusai.gateway.pipeline.RequestTrace}): same ids in the logs, on the usage row and on the calls
 * it makes, no span recorded. The instrumentation stays on for the HTTP clients: the REST clients' calls to the
 * control plane are still traced, as children of the request's trace.
 */
@ApplicationScoped
public class ServerTracing implements HttpServerOptionsCustomizer {
    private final boolean export;

    public ServerTracing(TracingConfig tracing) {
        this.export = tracing.export();
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        apply(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        apply(options);
    }

    @Override
    public void customizeDomainSocketServer(HttpServerOptions options) {
        apply(options);
    }

    private void apply(HttpServerOptions options) {
        if (!export) {
            options.setTracingPolicy(TracingPolicy.IGNORE);
        }
    }
}
