package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.limits.Charge;
import io.nexusai.gateway.limits.Pricing;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.UsageEmitter;
import io.nexusai.gateway.usage.UsageMeter;
import org.jboss.logging.Logger;

import java.math.BigDecimal;

/**
 * The last step, recording: metrics for every request, and a usage event for every request that got as far as
 * a known tenant and model (failed ones included, with zero tokens), after the response has gone out.
 */
public final class RecordStage implements Stage {
    private static final Logger LOG = Logger.getLogger(RecordStage.class);
    private final UsageEmitter usage;
    private final GatewayMetrics metrics;
    private final boolean settle;

    public RecordStage(UsageEmitter usage, GatewayMetrics metrics, boolean settle) {
        this.usage = usage;
        this.metrics = metrics;
        this.settle = settle;
    }

    @Override
    public void onComplete(ProxyContext ctx) {
        long nanos = System.nanoTime() - ctx.startNanos();
        Selection selection = ctx.get(Selection.class);
        RouteTable.Route route = ctx.get(RouteTable.Route.class);
        Deployment d = selection == null || selection.target() == null ? null : selection.target().deployment();
        String provider = d == null ? "none" : d.providerName();
        String model = route == null ? "unknown" : route.alias();
        GatewayMetrics.Series series = metrics.series(provider, model);
        metrics.request(series, ctx.status(), nanos);
        long upstreamNanos = ctx.upstreamNanos();
        if (selection != null && selection.attempts() > 0) {
            metrics.upstream(series, upstreamNanos);
        }
        metrics.overhead(model, nanos, upstreamNanos);
        long firstContent = ctx.firstContentNanos();
        if (firstContent >= 0) {
            metrics.firstToken(series, firstContent);
        }

        Principal principal = ctx.get(Principal.class);
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        if (principal != null && route != null) {
            UsageMeter meter = ctx.get(UsageMeter.class);
            TokenUsage tokens = meter == null || ctx.failure() != null ? TokenUsage.NONE : meter.finalUsage();
            if (tokens.promptTokens() + tokens.completionTokens() > 0 && selection.target() != null) {
                metrics.metered(series, tokens.promptTokens(), tokens.completionTokens(),
                        selection.target().cost(tokens.promptTokens(), tokens.completionTokens()));
            }
            Charge charge = ctx.get(Charge.class);
            String settlement = null;
            if (settle && charge != null && charge.quotaLimited()) {
                // the quota counters get the real usage, and the reservation is released (counters are kept only
                // for keys and tenants that have a quota or budget: nothing else reads them)
                settlement = charge.settlement(tokens.totalTokens(), Pricing.nanos(d, tokens.promptTokens(), tokens.completionTokens()));
            }
            usage.emit(new UsageEvent(ctx.requestId(), ctx.clientRequestId(), ctx.startMillis(), principal.tenantId(),
                    principal.keyId(), parsed.endpoint().usageName(), route.alias(), d == null ? 0 : d.providerId(), provider,
                    d == null ? 0 : d.id(), d == null ? null : d.realModel(), parsed.stream(), ctx.status(),
                    tokens.promptTokens(), tokens.completionTokens(), tokens.estimated(), nanos / 1_000_000,
                    d == null ? BigDecimal.ONE : d.costMultiplier(), null), settlement);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debugf("%s %s %s -> %d via %s in %d us", ctx.requestId(), parsed == null ? "?" : parsed.endpoint().usageName(), model,
                    ctx.status(), provider, nanos / 1000);
        }
    }
}
