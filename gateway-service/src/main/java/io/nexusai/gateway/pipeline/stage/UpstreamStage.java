package io.nexusai.gateway.pipeline.stage;

import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.upstream.Failover;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.usage.TokenEstimator;
import io.nexusai.gateway.usage.UsageMeter;

/**
 * Steps 6 and 7, adapting the request and calling upstream: a {@link Failover} per request tries the selected
 * targets in order, each attempt translated for its own provider ({@link io.nexusai.gateway.provider.Translator})
 * and guarded by its circuit breaker. A whole answer goes back through the stages ({@link NormaliseStage} makes
 * it the client's response); a stream is relayed as it arrives. When the request completes, however it ended,
 * the failover lets go of everything it holds.
 */
public final class UpstreamStage implements Stage {
    private final UpstreamClient upstream;
    private final Failover.Services services;
    private final TokenEstimator estimator;

    public UpstreamStage(UpstreamClient upstream, Failover.Services services, TokenEstimator estimator) {
        this.upstream = upstream;
        this.services = services;
        this.estimator = estimator;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        UsageMeter meter = new UsageMeter(estimator, ctx.get(ParsedRequest.class));
        ctx.attach(UsageMeter.class, meter);
        Failover call = new Failover(ctx, services, upstream.loop(), meter);
        ctx.attach(Failover.class, call);
        call.start();
    }

    @Override
    public void onComplete(ProxyContext ctx) {
        Failover call = ctx.get(Failover.class);
        if (call != null) {
            call.release();
        }
    }
}
