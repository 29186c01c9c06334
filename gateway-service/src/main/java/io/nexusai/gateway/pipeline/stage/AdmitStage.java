package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.RedisNames;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.limits.Charge;
import io.nexusai.gateway.limits.Decision;
import io.nexusai.gateway.limits.Pricing;
import io.nexusai.gateway.limits.RateLimiter;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.gateway.usage.TokenEstimator;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Step 4b, admission: the request's rate limits, quotas and budgets, decided in one call to the shared limiter
 * ({@link RateLimiter}). Token limits and budgets are charged the request's worst case — its prompt tokens
 * (our count, plus a margin) and the output it allows ({@code max_tokens} × {@code n}), priced at the dearest
 * deployment it may go to — which the record stage later settles to the real usage. A refused request gets 429:
 * {@code rate_limit_exceeded} with {@code Retry-After}, or {@code insufficient_quota}. Every response of a
 * limited key carries OpenAI's {@code x-ratelimit-*} headers.
 */
public final class AdmitStage implements Stage {
    /** Output tokens a legacy completion may produce when it sets no max_tokens (OpenAI's default). */
    private static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

    private final RateLimiter limiter;
    private final TokenEstimator estimator;
    private final GatewayConfig.Limits config;
    private final RedisNames names;

    public AdmitStage(RateLimiter limiter, TokenEstimator estimator, GatewayConfig.Limits config, RedisNames names) {
        this.limiter = limiter;
        this.estimator = estimator;
        this.config = config;
        this.names = names;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        if (!config.enabled()) {
            ctx.proceed();
            return;
        }
        Principal principal = ctx.get(Principal.class);
        ParsedRequest parsed = ctx.get(ParsedRequest.class);
        Selection selection = ctx.get(Selection.class);
        int reachable = Math.min(selection.candidates().size(), Math.max(1, selection.route().policy().maxAttempts()));
        Charge charge = Charge.of(names, ctx.requestId(), principal, ctx.startMillis(), deploymentLimits(selection));
        ctx.attach(Charge.class, charge);
        if (!charge.needsAdmission()) {
            ctx.proceed();
            return;
        }
        if (charge.needsTokens()) {
            long prompt = (long) Math.ceil(estimator.prompt(parsed.endpoint().usageName(), parsed.body()) * (1 + config.promptMargin()));
            long output = maxOutput(parsed);
            long cost = 0;
            for (int i = 0; i < reachable; i++) {
                cost = Math.max(cost, Pricing.reservationNanos(selection.candidates().get(i).deployment(), prompt, output));
            }
            charge.reserve(prompt + output, cost, ctx.startMillis() + selection.route().policy().totalTimeoutMs() + 60_000);
        }
        Context context = Vertx.currentContext();
        limiter.admit(charge).onComplete(ar -> {
            if (context == null || Vertx.currentContext() == context) {
                decided(ctx, charge, ar.result());
            } else {
                context.runOnContext(v -> decided(ctx, charge, ar.result()));
            }
        });
    }

    private void decided(ProxyContext ctx, Charge charge, Decision d) {
        headers(ctx.responseHeaders(), d);
        if (d.admitted()) {
            if (d.index() >= 0) {
                ctx.get(Selection.class).admitTo(d.index());
            }
            ctx.proceed();
            return;
        }
        String scope = scope(charge, d);
        limiter.rejected(d.reason(), scope);
        ctx.fail(refusal(charge, d, scope));
    }

    private static String scope(Charge c, Decision d) {
        return switch (d.verdict()) {
            case Decision.REQUESTS, Decision.TOKENS -> c.windows().get(d.index()).scope();
            case Decision.TOKEN_QUOTA, Decision.COST_BUDGET -> c.quotas().get(d.index()).scope().replace(' ', '_');
            default -> "deployment";
        };
    }

    static ApiException refusal(Charge c, Decision d, String scope) {
        Long retry = d.retryMs() < 0 ? null : Math.max(1, (d.retryMs() + 999) / 1000);
        switch (d.verdict()) {
            case Decision.REQUESTS -> {
                Charge.Window w = c.windows().get(d.index());
                String message = w.rpm() == 0
                        ? "The " + scope + "'s limit is 0 requests per minute."
                        : "Rate limit reached for requests per minute (RPM) of this " + scope + ": limit " + w.rpm()
                        + ". Please try again in " + duration(d.retryMs()) + ".";
                return new ApiException(429, ErrorType.RATE_LIMIT.wire(), message, null, "rate_limit_exceeded", List.of(), retry);
            }
            case Decision.TOKENS -> {
                Charge.Window w = c.windows().get(d.index());
                String message = d.retryMs() < 0
                        ? "Request too large for the tokens-per-minute (TPM) limit of this " + scope + ": limit " + w.tpm()
                        + ", requested " + c.tokens() + " (prompt and max_tokens). Lower max_tokens or the prompt."
                        : "Rate limit reached for tokens per minute (TPM) of this " + scope + ": limit " + w.tpm() + ", requested "
                        + c.tokens() + ". Please try again in " + duration(d.retryMs()) + ".";
                return new ApiException(429, ErrorType.RATE_LIMIT.wire(), message, null, "rate_limit_exceeded", List.of(), retry);
            }
            case Decision.TOKEN_QUOTA, Decision.COST_BUDGET -> {
                Charge.Quota q = c.quotas().get(d.index());
                boolean cost = d.verdict() == Decision.COST_BUDGET;
                Long untilReset = q.resetsAtEpochSecond() < 0 ? null
                        : Math.max(1, q.resetsAtEpochSecond() - System.currentTimeMillis() / 1000);
                String message = "This request would exceed the " + q.describe(cost) + " (it reserves " + (cost
                        ? "its worst-case cost" : c.tokens() + " tokens") + " until it completes)."
                        + (untilReset == null ? "" : " The quota renews in " + duration(untilReset * 1000) + ".");
                return new ApiException(429, ErrorType.INSUFFICIENT_QUOTA.wire(), message, null, "insufficient_quota", List.of(),
                        untilReset);
            }
            default -> {
                return new ApiException(429, ErrorType.RATE_LIMIT.wire(), "Every deployment of this model is at its request rate "
                        + "limit. Please try again in " + duration(Math.max(0, d.retryMs())) + ".", null, "deployment_rate_limited",
                        List.of(), retry);
            }
        }
    }

    /**
     * Route ids and per-minute limits of the candidates, in order of preference; none when no candidate has a
     * limit (the common case: nothing to build for Redis then).
     */
    private static List<long[]> deploymentLimits(Selection selection) {
        List<Target> candidates = selection.candidates();
        for (Target limited : candidates) {
            if (limited.deployment().rateLimit() > 0) {
                List<long[]> deployments = new ArrayList<>(candidates.size());
                for (Target t : candidates) {
                    deployments.add(new long[]{t.deployment().id(), t.deployment().rateLimit()});
                }
                return deployments;
            }
        }
        return List.of();
    }

    /** OpenAI's rate-limit headers, for the tightest request and token windows of the key and tenant. */
    static void headers(MultiMap headers, Decision d) {
        if (d.reqLimit() >= 0) {
            headers.set("x-ratelimit-limit-requests", Long.toString(d.reqLimit()));
            headers.set("x-ratelimit-remaining-requests", Long.toString(Math.max(0, d.reqRemaining())));
            headers.set("x-ratelimit-reset-requests", duration(d.reqResetMs()));
        }
        if (d.tokLimit() >= 0) {
            headers.set("x-ratelimit-limit-tokens", Long.toString(d.tokLimit()));
            headers.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, d.tokRemaining())));
            headers.set("x-ratelimit-reset-tokens", duration(d.tokResetMs()));
        }
    }

    /** A duration as OpenAI writes it in rate-limit headers: {@code 250ms}, {@code 1.5s}, {@code 6m0s}. */
    static String duration(long ms) {
        if (ms < 1000) {
            return Math.max(0, ms) + "ms";
        }
        long minutes = ms / 60_000;
        double seconds = (ms % 60_000) / 1000.0;
        String s = seconds == Math.floor(seconds) ? Long.toString((long) seconds) : String.format(Locale.ROOT, "%.3f", seconds)
                .replaceAll("0+$", "");
        if (minutes >= 60) {
            return (minutes / 60) + "h" + (minutes % 60) + "m" + s + "s";
        }
        return minutes > 0 ? minutes + "m" + s + "s" : s + "s";
    }

    /** The most output the request allows: max_tokens (or max_completion_tokens) times the completions it asks for. */
    long maxOutput(ParsedRequest parsed) {
        JsonNode body = parsed.body();
        long perChoice = parsed.endpoint().maxOutputTokens(body,
                parsed.endpoint() == Endpoint.COMPLETIONS ? COMPLETIONS_DEFAULT_MAX_TOKENS : config.defaultMaxTokens());
        long choices = Math.max(1, Math.max(body.path("n").asLong(1), body.path("best_of").asLong(1)));
        return perChoice * choices;
    }
}
