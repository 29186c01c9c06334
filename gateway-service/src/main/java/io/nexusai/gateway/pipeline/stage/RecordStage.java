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
 * The last step, recording: a usage event (with the request's trace id) for every request that got as far as a
 * known tenant and model (failed ones included, with zero tokens), journaled right before the response's last
 * byte goes out ({@link #beforeLastByte}; for a request that ends without one — the client left — when its end is
 * detected), so that no response the client received complete is ever unmetered, even if the gateway is killed the
 * moment after; then, at completion, metrics for every request and, with {@code nexus.log.requests}, one log line
 * per request carrying its trace and request ids.
 */
public final class RecordStage implements Stage {
    private static final Logger LOG = Logger.getLogger(RecordStage.class);
    private static final Logger REQUESTS = Logger.getLogger("io.nexusai.requests");
    private final UsageEmitter usage;
    private final GatewayMetrics metrics;
    private final boolean settle;
    private final boolean logRequests;

    public RecordStage(UsageEmitter usage, GatewayMetrics metrics, boolean settle, boolean logRequests) {
        this.usage = usage;
        this.metrics = metrics;
        this.settle = settle;
        this.logRequests = logRequests;
    }

    /** The request's usage has been journaled, with these tokens. */
    private record Recorded(TokenUsage tokens) {
        static final Recorded NOTHING = new Recorded(TokenUsage.NONE);
    }

    @Override
    public void beforeLastByte(ProxyContext ctx) {
        if (ctx.get(Recorded.class) == null) {
            record(ctx);
        }
    }

    @Override
    public void onComplete(ProxyContext ctx) {
        Recorded recorded = ctx.get(Recorded.class);
        if (recorded == null) {
            recorded = record(ctx); // ended without a last byte: the client left (billed for what it received)
        }
        long nanos = System.nanoTime() - ctx.startNanos();
        Selection selection = ctx.get(Selection.class);
        RouteTable.Route route = ctx.get(RouteTable.Route.class);
        Deployment d = deployment(selection);
        String provider = d == null ? GatewayMetrics.NONE : d.providerName();
        String model = route == null ? GatewayMetrics.UNKNOWN : route.alias();
        GatewayMetrics.Series series = metrics.series(route, selection == null ? null : selection.target());
        metrics.request(series, ctx.status(), nanos);
        long upstreamNanos = ctx.upstreamNanos();
        if (selection != null && selection.attempts() > 0) {
            metrics.upstream(series, upstreamNanos);
        }
        metrics.overhead(series.alias(), nanos, upstreamNanos); // its own model label, or "other" past the bound
        long firstContent = ctx.firstContentNanos();
        if (firstContent >= 0) {
            metrics.firstToken(series, firstContent);
        }
        TokenUsage tokens = recorded.tokens();
        if (tokens.promptTokens() + tokens.completionTokens() > 0 && selection != null && selection.target() != null) {
            metrics.metered(series, tokens, selection.target().cost(tokens));
        }
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        if (logRequests && REQUESTS.isInfoEnabled()) {
            String endpoint = parsed == null ? "?" : parsed.endpoint().usageName();
            ctx.inLogContext(() -> REQUESTS.infof("%s %s -> %d via %s in %d us", endpoint, model, ctx.status(), provider, nanos / 1000));
        } else if (LOG.isDebugEnabled()) {
            LOG.debugf("%s %s %s -> %d via %s in %d us", ctx.requestId(), parsed == null ? "?" : parsed.endpoint().usageName(), model,
                    ctx.status(), provider, nanos / 1000);
        }
    }

    /** Builds the request's usage event (if it has a tenant and a model) and journals it with its settlement. */
    private Recorded record(ProxyContext ctx) {
        Principal principal = ctx.get(Principal.class);
        RouteTable.Route route = ctx.get(RouteTable.Route.class);
        if (principal == null || route == null) {
            ctx.attach(Recorded.class, Recorded.NOTHING);
            return Recorded.NOTHING;
        }
        long nanos = System.nanoTime() - ctx.startNanos();
        Selection selection = ctx.get(Selection.class);
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        Deployment d = deployment(selection);
        UsageMeter meter = ctx.get(UsageMeter.class);
        TokenUsage tokens = meter == null || ctx.failure() != null ? TokenUsage.NONE : meter.finalUsage();
        Recorded recorded = new Recorded(tokens);
        ctx.attach(Recorded.class, recorded);
        Charge charge = ctx.get(Charge.class);
        String settlement = null;
        if (settle && charge != null && charge.quotaLimited()) {
            // the quota counters get the real usage, and the reservation is released (counters are kept only
            // for keys and tenants that have a quota or budget: nothing else reads them)
            settlement = charge.settlement(tokens.totalTokens(), Pricing.nanos(d, tokens));
        }
        usage.emit(new UsageEvent(ctx.requestId(), ctx.clientRequestId(), ctx.startMillis(), principal.tenantId(),
                principal.keyId(), parsed.endpoint().usageName(), route.alias(), d == null ? 0 : d.providerId(),
                d == null ? "none" : d.providerName(), d == null ? 0 : d.id(), d == null ? null : d.realModel(), parsed.stream(),
                ctx.status(), tokens.promptTokens(), tokens.completionTokens(), tokens.estimated(), nanos / 1_000_000,
                d == null ? BigDecimal.ONE : d.costMultiplier(), ctx.traceId(), tokens.cachedTokens(), tokens.cacheWriteTokens(),
                tokens.reasoningTokens()), settlement);
        return recorded;
    }

    private static Deployment deployment(Selection selection) {
        return selection == null || selection.target() == null ? null : selection.target().deployment();
    }
}
