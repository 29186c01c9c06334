package io.nexusai.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.StreamUsagePolicy;
import io.nexusai.gateway.usage.UsageMeter;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The upstream call of one request, with failover: attempts ({@link Exchange}s) to the targets of the selection
 * in order, each through its target's circuit breaker. A connect error, a timeout, a 429 or a 5xx moves the
 * request to the next usable target — after a short jittered backoff, at most the alias's {@code max_attempts},
 * within its total timeout — as long as nothing has gone to the client. A 2xx commits the request to its
 * provider: a whole answer goes back through the stages (the normalise stage turns it into the client's
 * response); a stream is relayed by an {@link UpstreamStream}, and a failure after that ends it with an error event.
 *
 * <p>Owns, for its request's lifetime, the total-timeout and backoff deadlines, the attempt in flight and the
 * stream relay; {@link #release()} (called when the request completes, however it ended) lets go of all of them.
 * One per request; confined to the request's event loop.
 */
public final class Failover {
    /** What the failover loop needs besides its request. */
    public record Services(Translators translators, HealthRegistry health, ObjectMapper mapper, GatewayMetrics metrics) {
    }

    private final ProxyContext ctx;
    private final Services services;
    private final ParsedRequest parsed;
    private final Selection selection;
    private final AliasPolicy policy;
    private final UsageMeter meter;
    private final UpstreamClient.Loop loop;
    private final boolean mayFailOver;
    private final Deadlines.Deadline total = new Deadlines.Deadline(this::totalTimeout);
    private final Deadlines.Deadline backoff = new Deadlines.Deadline(this::sendPending);
    private int next;
    private Target pending;
    private ApiException lastFailure;
    private boolean rateLimitedLocally;
    /** Nothing more to decide: answered, failed, timed out or abandoned (a running stream ends on its own). */
    private boolean done;
    private Exchange exchange;
    private StreamUsagePolicy exchangeUsage;
    private UpstreamStream stream;
    private Exchange answer;
    private boolean waiting;
    private long waitingSince;

    public Failover(ProxyContext ctx, Services services, UpstreamClient.Loop loop, UsageMeter meter) {
        this.ctx = ctx;
        this.services = services;
        this.loop = loop;
        this.meter = meter;
        this.parsed = ctx.get(ParsedRequest.class);
        this.selection = ctx.get(Selection.class);
        this.policy = selection.route().policy();
        this.mayFailOver = policy.maxAttempts() > 1 && selection.candidates().size() > 1;
    }

    /** Arms the total timeout and makes the first attempt. */
    public void start() {
        loop.deadlines().arm(total, policy.totalTimeoutMs());
        ctx.onClientClose(this::clientGone);
        attempt();
    }

    /** The whole answer of a non-streamed call, once {@link ProxyContext#respond()} has been called with it. */
    public Exchange answer() {
        return answer;
    }

    private void attempt() {
        if (done) {
            return;
        }
        Target target = nextUsable();
        if (target == null) {
            finish(UpstreamErrors.exhausted(parsed.model(), selection.attempts(), lastFailure, rateLimitedLocally));
            return;
        }
        selection.nextAttempt(target);
        if (selection.attempts() == 1) {
            send(target);
        } else {
            long step = Math.min(500, 25L << Math.min(4, selection.attempts() - 2));
            pending = target;
            loop.deadlines().arm(backoff, step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1));
        }
    }

    private Target nextUsable() {
        if (selection.attempts() >= policy.maxAttempts()) {
            return null;
        }
        List<Target> candidates = selection.candidates();
        while (next < candidates.size()) {
            Target t = candidates.get(next++);
            TargetHealth h = services.health().of(t);
            if (h.breakerOpen()) {
                continue;
            }
            if (t != selection.admitted() && !h.tryAcquire(t.deployment().rateLimit(), services.health().localRateLimitShare())) {
                rateLimitedLocally = true;
                continue;
            }
            return t;
        }
        return null;
    }

    private void sendPending() {
        Target target = pending;
        pending = null;
        if (target != null && !done) {
            send(target);
        }
    }

    private void send(Target target) {
        Translator translator;
        UpstreamRequest call;
        try {
            translator = services.translators().create(parsed.endpoint(), target, parsed.model(), ctx.http().request().headers());
            // step 6, adapting the request: each attempt translates the client's body for its own provider
            ObjectNode body = mayFailOver ? parsed.body().deepCopy() : parsed.body();
            exchangeUsage = parsed.stream() ? StreamUsagePolicy.of(parsed.endpoint(), body) : null;
            call = translator.request(body, parsed.stream());
        } catch (ApiException e) {
            finish(e);
            return;
        }
        TargetHealth h = services.health().of(target);
        int permit = h.acquire();
        if (permit == TargetHealth.REFUSED) {
            // the breaker opened since the target was selected (or its half-open probes are taken): never started
            lastFailure = UpstreamErrors.breakerOpen(target.label());
            attempt();
            return;
        }
        Exchange x = new Exchange(loop, target, translator, call, parsed.stream(), policy.connectTimeoutMs(),
                policy.firstByteTimeoutMs(), policy.idleTimeoutMs(),
                new Exchange.Headers(ctx.requestId(), ctx.trace().traceparent(), ctx.trace().traceState()));
        exchange = x;
        waiting = true;
        waitingSince = System.nanoTime();
        // the listener runs once, on this event loop, whatever the outcome; the breaker counts only FAILED against it
        x.start(ended -> {
            h.release(permit, ended.outcome() == Exchange.Outcome.FAILED);
            exchanged(ended, h);
        });
    }

    private void exchanged(Exchange x, TargetHealth h) {
        if (exchange == x) {
            exchange = null;
        }
        Exchange.Outcome outcome = x.outcome();
        if (outcome == Exchange.Outcome.CANCELLED) {
            return;
        }
        if (done) {
            if (outcome == Exchange.Outcome.ANSWERED) {
                x.discard();
            }
            return;
        }
        switch (outcome) {
            case FAILED -> {
                stopWaiting();
                h.failed(x.timeToHeadNanos());
                lastFailure = x.error();
                attempt();
            }
            case RATE_LIMITED -> {
                stopWaiting();
                Long retryAfter = x.error().retryAfterSeconds();
                h.coolDown(retryAfter == null ? 1 : retryAfter);
                lastFailure = x.error();
                attempt();
            }
            case REFUSED -> {
                stopWaiting();
                h.succeeded(x.timeToHeadNanos());
                servedBy(x.target());
                finish(x.error());
            }
            case ANSWERED -> {
                h.succeeded(x.timeToHeadNanos());
                servedBy(x.target());
                // the translator that answered: stages after the response (e.g. storing a Responses API answer) read it
                ctx.attach(Translator.class, x.translator());
                if (parsed.stream()) {
                    relay(x);
                } else {
                    done = true;
                    loop.deadlines().disarm(total);
                    stopWaiting();
                    answer = x;
                    ctx.respond();
                }
            }
            default -> throw new IllegalStateException("unexpected outcome " + outcome);
        }
    }

    private void relay(Exchange x) {
        ctx.responseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ctx.responseHeaders().set("Cache-Control", "no-cache");
        // from here on the relay counts the wait on the provider, until the provider's stream ends
        waiting = false;
        stream = new UpstreamStream(ctx, x, exchangeUsage, meter, services.mapper(), loop.deadlines(), policy.idleTimeoutMs(),
                services.metrics(), this::streamEnded);
        ctx.streamResponse(200, stream);
        ctx.respond();
    }

    /** The stream ended, however it ended: nothing of the request is held here any more. */
    private void streamEnded() {
        done = true;
        loop.deadlines().disarm(total);
    }

    /** The attempt waiting on its provider got its answer (or was given up): its wait counts for the request. */
    private void stopWaiting() {
        if (waiting) {
            waiting = false;
            ctx.waitedUpstream(System.nanoTime() - waitingSince);
        }
    }

    private void servedBy(Target target) {
        ctx.responseHeaders().set("x-nexus-provider", target.label());
        ctx.responseHeaders().set("x-nexus-deployment", target.key());
        ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
    }

    private void finish(ApiException error) {
        done = true;
        loop.deadlines().disarm(total);
        loop.deadlines().disarm(backoff);
        ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
        ctx.fail(error);
    }

    private void totalTimeout() {
        if (stream != null) {
            // the head has gone out: the total timeout ends the stream with an error event
            stream.timeout(policy.totalTimeoutMs());
            return;
        }
        if (done) {
            return;
        }
        done = true;
        stopWaiting();
        loop.deadlines().disarm(backoff);
        cancelAttempt();
        ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
        ctx.fail(UpstreamErrors.totalTimeout(parsed.model(), policy.totalTimeoutMs(), selection.attempts()));
    }

    private void clientGone() {
        if (stream != null) {
            stream.clientGone();
            return;
        }
        if (done) {
            return;
        }
        done = true;
        stopWaiting();
        loop.deadlines().disarm(total);
        loop.deadlines().disarm(backoff);
        cancelAttempt();
    }

    private void cancelAttempt() {
        Exchange x = exchange;
        exchange = null;
        if (x != null) {
            x.cancel();
        }
    }

    /**
     * The request completed (sent, or the client gone): lets go of whatever is still held — deadlines, an attempt
     * in flight, a stream that did not end by itself. Idempotent.
     */
    public void release() {
        done = true;
        loop.deadlines().disarm(total);
        loop.deadlines().disarm(backoff);
        pending = null;
        cancelAttempt();
        if (stream != null && !stream.ended()) {
            stream.clientGone();
        }
        answer = null;
    }
}
