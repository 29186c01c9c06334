package io.nexusai.gateway.upstream;

import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.pipeline.InFlight;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Vert.x HTTP clients for upstream calls: pooled keep-alive connections per provider host, one client (and pool)
 * per event loop. A pool shared by all loops hands a connection opened on one loop to a request of another, and
 * then every response is passed across threads (an event-loop wake-up per request, measured as the largest
 * single cost in a gateway profile); with a pool per loop, a call and its connection stay on the loop of the
 * request. Not traced by the Vert.x instrumentation (see {@link io.nexusai.gateway.pipeline.RequestTrace}).
 * Each loop also has the {@link Deadlines} of the upstream calls running on it.
 */
@Singleton
public class UpstreamClient {
    private final Vertx vertx;
    private final HttpClientOptions options;
    private final PoolOptions pool;
    /** For the rare calls made off an event loop. */
    private final HttpClient shared;
    private final ThreadLocal<Loop> perLoop = new ThreadLocal<>();
    private final List<HttpClient> all = new CopyOnWriteArrayList<>();
    private final List<Loop> loops = new CopyOnWriteArrayList<>();

    public UpstreamClient(Vertx vertx, GatewayConfig config, InFlight inFlight) {
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
        this.vertx = vertx;
        this.options = options;
        this.pool = new PoolOptions().setHttp1MaxSize(up.maxConnectionsPerHost().orElse(0) > 0
                ? up.maxConnectionsPerHost().getAsInt() : inFlight.limit());
        this.shared = vertx.createHttpClient(options, pool);
        all.add(shared);
    }

    /** What upstream calls of one event loop share: its connection pool and the deadlines of its calls. */
    public record Loop(HttpClient client, Deadlines deadlines, Thread thread) {
    }

    /** The client of the calling event loop (created on first use), or a shared one off the event loops. */
    public HttpClient client() {
        if (!Context.isOnEventLoopThread()) {
            return shared;
        }
        return loop().client();
    }

    /** The calling event loop's client and deadlines (created on first use); only on an event loop. */
    public Loop loop() {
        Loop loop = perLoop.get();
        if (loop == null) {
            ContextInternal context = (ContextInternal) Vertx.currentContext();
            if (context == null || !Context.isOnEventLoopThread()) {
                throw new IllegalStateException("upstream calls run on an event loop");
            }
            HttpClient client = vertx.createHttpClient(options, pool);
            loop = new Loop(client, new Deadlines(context), Thread.currentThread());
            perLoop.set(loop);
            all.add(client);
            loops.add(loop);
        }
        return loop;
    }

    /**
     * Deadlines armed on all loops: 0 once no upstream call is in flight (a leak check for tests and diagnostics;
     * each count is read from outside its loop, so it is exact only when the loops are quiet).
     */
    public int armedDeadlines() {
        int n = 0;
        for (Loop loop : loops) {
            n += loop.deadlines().size();
        }
        return n;
    }

    void stop(@Observes ShutdownEvent event) {
        all.forEach(HttpClient::close);
    }
}
