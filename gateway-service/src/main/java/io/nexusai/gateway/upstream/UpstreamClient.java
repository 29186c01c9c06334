package io.nexusai.gateway.upstream;

import io.nexusai.gateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The one Vert.x HTTP client all upstream calls share: pooled keep-alive connections per provider host. Calls
 * made on an event loop stay on that loop. Not traced by the Vert.x instrumentation (see {@link io.nexusai.gateway.pipeline.RequestTrace}).
 */
@ApplicationScoped
public class UpstreamClient {
    private final HttpClient client;

    public UpstreamClient(Vertx vertx, GatewayConfig config) {
        GatewayConfig.Upstream up = config.upstream();
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) up.connectTimeout().toMillis())
                .setKeepAliveTimeout((int) up.idleTimeout().toSeconds())
                .setIdleTimeout((int) up.idleTimeout().toSeconds())
                .setDecompressionSupported(true)
                .setVerifyHost(true)
                .setName("nexus-upstream")
                // trace context is set by the call itself (RequestTrace): the callbacks that send it run in
                // contexts shared by many requests, whose ambient span would be the wrong one
                .setTracingPolicy(TracingPolicy.IGNORE);
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(up.maxConnectionsPerHost()));
    }

    public HttpClient client() {
        return client;
    }

    void stop(@Observes ShutdownEvent event) {
        client.close();
    }
}
