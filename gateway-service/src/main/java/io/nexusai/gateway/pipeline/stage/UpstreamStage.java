package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.RequestTrace;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.TargetHealth;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.upstream.UpstreamCredentials;
import io.nexusai.gateway.upstream.UpstreamStream;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.StreamUsagePolicy;
import io.nexusai.gateway.usage.TokenEstimator;
import io.nexusai.gateway.usage.UsageMeter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Steps 5 and 7 around the upstream call, with failover. For each attempt, the translator of the target's
 * provider turns the client's request into the provider's (so a failover may change vendor and format), the
 * credential strategy signs it, and the target's circuit breaker guards it. A connect error, a timeout, a 429
 * or a 5xx moves the request to the next target of the selection order — with a short backoff, at most the
 * alias's {@code max_attempts}, within its total timeout — as long as nothing has gone to the client. Once a
 * provider has answered 2xx the request is committed to it: a stream failing later ends with an error event.
 */
public final class UpstreamStage implements Stage {
    private static final Logger LOG = Logger.getLogger(UpstreamStage.class);
    private final UpstreamClient upstream;
    private final Translators translators;
    private final TokenEstimator estimator;
    private final ObjectMapper mapper;
    private final HealthRegistry health;
    private final Vertx vertx;
    private final GatewayMetrics metrics;

    public UpstreamStage(UpstreamClient upstream, Translators translators, TokenEstimator estimator, ObjectMapper mapper,
                         HealthRegistry health, Vertx vertx, GatewayMetrics metrics) {
        this.upstream = upstream;
        this.translators = translators;
        this.estimator = estimator;
        this.mapper = mapper;
        this.health = health;
        this.vertx = vertx;
        this.metrics = metrics;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        new Call(ctx).start();
    }

    /** How long the last attempt took to answer (headers) and its status (0 when it never answered). */
    public record UpstreamTiming(long nanos, int status) {
    }

    /** What one attempt got back before anything went to the client. */
    private record Answer(HttpClientRequest request, HttpClientResponse response, ApiException rateLimited, ApiException clientError) {
    }

    /** A failure that counts against the target's circuit breaker. */
    private static final class UpstreamFailure extends RuntimeException {
        final ApiException error;

        UpstreamFailure(ApiException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /** One request's attempts. Confined to the request's event loop. */
    private final class Call {
        private final ProxyContext ctx;
        private final ParsedRequest parsed;
        private final Selection selection;
        private final AliasPolicy policy;
        private final Context context = Vertx.currentContext();
        private final boolean mayFailOver;
        private int next;
        private ApiException lastFailure;
        private boolean rateLimitedLocally;
        private boolean done;
        /** The client went away: the in-flight attempt is cancelled by us, which is no failure of the provider's. */
        private boolean clientLeft;
        private long totalTimer = -1;
        private HttpClientRequest inFlight;
        private UpstreamStream stream;
        /** Whether an attempt is waiting on its provider, and since when (for the upstream wait of the request). */
        private boolean waiting;
        private long waitingSince;

        Call(ProxyContext ctx) {
            this.ctx = ctx;
            this.parsed = ctx.get(ParsedRequest.class);
            this.selection = ctx.get(Selection.class);
            this.policy = selection.route().policy();
            this.mayFailOver = policy.maxAttempts() > 1 && selection.candidates().size() > 1;
        }

        void start() {
            ctx.attach(UsageMeter.class, new UsageMeter(estimator, parsed));
            totalTimer = vertx.setTimer(policy.totalTimeoutMs(), id -> totalTimeout());
            ctx.onClientClose(this::clientGone);
            attempt();
        }

        private void attempt() {
            if (done) {
                return;
            }
            Target target = nextUsable();
            if (target == null) {
                exhausted();
                return;
            }
            selection.nextAttempt(target);
            if (selection.attempts() == 1) {
                send(target);
            } else {
                long backoff = Math.min(500, 25L << Math.min(4, selection.attempts() - 2));
                vertx.setTimer(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1), id -> send(target));
            }
        }

        private Target nextUsable() {
            if (selection.attempts() >= policy.maxAttempts()) {
                return null;
            }
            List<Target> candidates = selection.candidates();
            while (next < candidates.size()) {
                Target t = candidates.get(next++);
                TargetHealth h = health.of(t);
                if (h.breakerOpen()) {
                    continue;
                }
                if (t != selection.admitted() && !h.tryAcquire(t.deployment().rateLimit(), health.localRateLimitShare())) {
                    rateLimitedLocally = true;
                    continue;
                }
                return t;
            }
            return null;
        }

        private void send(Target target) {
            if (done) {
                return;
            }
            Translator translator;
            UpstreamRequest call;
            StreamUsagePolicy usagePolicy;
            try {
                translator = translators.create(parsed.endpoint(), target, parsed.model());
                ObjectNode body = mayFailOver ? parsed.body().deepCopy() : parsed.body();
                usagePolicy = parsed.stream() ? StreamUsagePolicy.apply(body) : null;
                call = translator.request(body, parsed.stream());
            } catch (ApiException e) {
                finish(e);
                return;
            }
            TargetHealth h = health.of(target);
            long attemptStart = System.nanoTime();
            waiting = true;
            waitingSince = attemptStart;
            // The breaker sees neither this call nor its answer: it keeps its last invocation per deployment, and
            // through a lambda of the call or an answer (request → handlers → stream) it would keep a whole
            // request, body and all, reachable for as long as the deployment exists.
            Answer[] slot = new Answer[1];
            AtomicReference<Supplier<Future<Answer>>> once = new AtomicReference<>(() -> exchange(target, translator, call));
            h.<Object>guard(() -> once.getAndSet(null).get().map(a -> {
                slot[0] = a;
                return (Object) Boolean.TRUE;
            }).toCompletionStage()).whenComplete((ok, failure) -> {
                Answer answer = failure == null ? slot[0] : null;
                slot[0] = null;
                if (Vertx.currentContext() == context) {
                    answered(target, h, translator, usagePolicy, answer, failure, attemptStart);
                } else {
                    context.runOnContext(v -> answered(target, h, translator, usagePolicy, answer, failure, attemptStart));
                }
            });
        }

        private Future<Answer> exchange(Target target, Translator translator, UpstreamRequest call) {
            Promise<Answer> result = Promise.promise();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI(call.url())
                    .setConnectTimeout(policy.connectTimeoutMs())
                    .setIdleTimeout(Math.max(policy.firstByteTimeoutMs(), policy.idleTimeoutMs()));
            upstream.client().request(options).onComplete(opened -> {
                if (clientLeft) {
                    if (opened.succeeded()) {
                        opened.result().reset();
                    }
                    result.complete(null);
                    return;
                }
                if (opened.failed()) {
                    result.fail(new UpstreamFailure(connectionFailure(target, opened.cause())));
                    return;
                }
                HttpClientRequest request = opened.result();
                // failures arrive through send()'s future; our own resets (client gone, timeouts) would otherwise be
                // logged by Vert.x as an ERROR "Stream reset" each
                request.exceptionHandler(ignored -> { });
                inFlight = request;
                request.putHeader("Content-Type", "application/json");
                request.putHeader("Accept", parsed.stream() ? "text/event-stream" : "application/json");
                request.putHeader("User-Agent", "NexusAI-Gateway");
                request.putHeader("x-request-id", ctx.requestId());
                // W3C trace context, the gateway's span as parent (never the client's header as it came)
                request.putHeader(RequestTrace.TRACEPARENT, ctx.trace().traceparent());
                if (ctx.trace().traceState() != null) {
                    request.putHeader(RequestTrace.TRACESTATE, ctx.trace().traceState());
                }
                call.headers().forEach(request::putHeader);
                UpstreamCredentials.apply(target, request);
                long timer = vertx.setTimer(policy.firstByteTimeoutMs(), id -> request.reset(0, new TimeoutException("no first byte")));
                request.send(call.body()).onComplete(sent -> {
                    vertx.cancelTimer(timer);
                    if (sent.failed()) {
                        if (clientLeft) {
                            // our own reset after the client hung up: it must not count against the provider's
                            // breaker (clients hanging up together would open it for everyone)
                            result.complete(null);
                            return;
                        }
                        result.fail(new UpstreamFailure(connectionFailure(target, sent.cause())));
                        return;
                    }
                    HttpClientResponse response = sent.result();
                    // a response reset before anyone reads it (client gone, total timeout) is expected: without a
                    // handler Vert.x would log every such reset as an error (the stream and body readers set their own)
                    response.exceptionHandler(ignored -> { });
                    int status = response.statusCode();
                    ctx.attach(UpstreamTiming.class, new UpstreamTiming(System.nanoTime() - ctx.startNanos(), status));
                    translator.responseHeaders(status, response.headers());
                    if (status / 100 == 2) {
                        response.pause();
                        result.complete(new Answer(request, response, null, null));
                        return;
                    }
                    response.body().onComplete(body -> {
                        ApiException error = translator.error(status, body.succeeded() ? body.result() : Buffer.buffer(), response.headers());
                        if (status == 429) {
                            result.complete(new Answer(request, response, error, null));
                        } else if (status >= 500 || status == 408) {
                            result.fail(new UpstreamFailure(error));
                        } else {
                            result.complete(new Answer(request, response, null, error));
                        }
                    });
                });
            });
            return result.future();
        }

        private void answered(Target target, TargetHealth h, Translator translator, StreamUsagePolicy usagePolicy, Answer answer,
                              Throwable failure, long attemptStart) {
            inFlight = null;
            long took = System.nanoTime() - attemptStart;
            if (done) {
                if (answer != null && answer.response() != null) {
                    answer.request().reset();
                }
                return;
            }
            if (failure != null) {
                stopWaiting();
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof CircuitBreakerOpenException) {
                    lastFailure = ApiException.unavailable("The provider '" + target.label() + "' is failing; its circuit breaker is open.");
                } else {
                    h.failed(took);
                    lastFailure = cause instanceof UpstreamFailure uf ? uf.error : connectionFailure(target, cause);
                }
                attempt();
                return;
            }
            if (answer.rateLimited() != null) {
                stopWaiting();
                h.coolDown(answer.rateLimited().retryAfterSeconds() == null ? 1 : answer.rateLimited().retryAfterSeconds());
                lastFailure = answer.rateLimited();
                attempt();
                return;
            }
            h.succeeded(took);
            headers(target);
            if (answer.clientError() != null) {
                stopWaiting();
                finish(answer.clientError());
                return;
            }
            if (parsed.stream()) {
                ctx.responseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                ctx.responseHeaders().set("Cache-Control", "no-cache");
                // from here on the stream relay counts the wait on the provider, until the provider's stream ends
                waiting = false;
                stream = new UpstreamStream(ctx, answer.request(), answer.response(), translator, usagePolicy, ctx.get(UsageMeter.class),
                        mapper, vertx, policy.idleTimeoutMs(), metrics, waitingSince, this::streamEnded);
                ctx.streamResponse(200, stream);
                ctx.respond();
                return;
            }
            Future<Buffer> whole = answer.response().body();
            answer.response().resume(); // paused when the answer arrived, so that nothing was lost before this point
            whole.onComplete(body -> {
                if (done) {
                    return;
                }
                done = true;
                stopWaiting();
                vertx.cancelTimer(totalTimer);
                if (body.failed()) {
                    ctx.fail(connectionFailure(target, body.cause()));
                    return;
                }
                try {
                    Translated out = translator.response(body.result());
                    UsageMeter meter = ctx.get(UsageMeter.class);
                    meter.started();
                    meter.reported(out.usage());
                    meter.delivered(out.body());
                    ctx.responseHeaders().set("Content-Type", "application/json");
                    ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(out.body())));
                    ctx.respond();
                } catch (ApiException e) {
                    ctx.fail(e);
                } catch (IOException e) {
                    ctx.fail(e);
                }
            });
        }

        /**
         * The stream ended, however it ended (provider done, failed, idle or total timeout, client gone): the
         * request holds nothing more here. Without this, the total timer (minutes) kept the whole request —
         * context, upstream request, connection state — reachable long after its stream had ended.
         */
        private void streamEnded() {
            done = true;
            if (totalTimer >= 0) {
                vertx.cancelTimer(totalTimer);
                totalTimer = -1;
            }
            inFlight = null;
        }

        /** The attempt waiting on its provider got its answer (or was given up): its wait counts for the request. */
        private void stopWaiting() {
            if (waiting) {
                waiting = false;
                ctx.waitedUpstream(System.nanoTime() - waitingSince);
            }
        }

        private void headers(Target target) {
            ctx.responseHeaders().set("x-nexus-provider", target.label());
            ctx.responseHeaders().set("x-nexus-deployment", target.key());
            ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
        }

        /** Every candidate tried or unusable: the last provider error for a single attempt, else 503 (or 429). */
        private void exhausted() {
            ApiException error;
            if (lastFailure == null && rateLimitedLocally) {
                error = new ApiException(429, ErrorType.RATE_LIMIT.wire(), "Every deployment of `" + parsed.model()
                        + "` is at its request rate limit.", null, "deployment_rate_limited", List.of(), 1L);
            } else if (lastFailure == null) {
                error = ApiException.unavailable("No deployment of `" + parsed.model() + "` can take requests right now: "
                        + "their circuit breakers are open.");
            } else if (selection.attempts() <= 1 || lastFailure.status() == 429) {
                error = lastFailure;
            } else {
                error = new ApiException(503, ErrorType.UNAVAILABLE.wire(), "No deployment of `" + parsed.model() + "` could serve the request ("
                        + selection.attempts() + " attempts). Last error: " + lastFailure.getMessage(), null, "all_deployments_failed",
                        List.of(), lastFailure.retryAfterSeconds());
            }
            finish(error);
        }

        private void finish(ApiException error) {
            done = true;
            vertx.cancelTimer(totalTimer);
            ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
            ctx.fail(error);
        }

        private void totalTimeout() {
            totalTimer = -1;
            if (stream != null) {
                // streaming: the total timeout ends the stream with an error event (the head has gone out)
                stream.timeout(policy.totalTimeoutMs());
                return;
            }
            if (done) {
                return;
            }
            done = true;
            stopWaiting();
            HttpClientRequest request = inFlight;
            if (request != null) {
                request.reset();
            }
            ctx.responseHeaders().set("x-nexus-attempts", Integer.toString(selection.attempts()));
            ctx.fail(new ApiException(504, ErrorType.TIMEOUT.wire(), "No provider answered `" + parsed.model() + "` within "
                    + policy.totalTimeoutMs() + " ms (" + selection.attempts() + " attempts).", null, "timeout", List.of(), null));
        }

        private void clientGone() {
            clientLeft = true;
            if (stream != null) {
                stream.clientGone();
            }
            if (done) {
                return;
            }
            done = true;
            stopWaiting();
            vertx.cancelTimer(totalTimer);
            HttpClientRequest request = inFlight;
            if (request != null) {
                request.reset();
            }
        }
    }

    /** An upstream that could not be reached or did not answer, as the client sees it. */
    public static ApiException connectionFailure(Target target, Throwable failure) {
        String provider = target.label();
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")
                || (failure.getCause() instanceof TimeoutException)) {
            return new ApiException(504, ErrorType.TIMEOUT.wire(), "The provider '" + provider + "' did not answer in time.",
                    null, "upstream_timeout", List.of(), null);
        }
        LOG.debugf("upstream %s failed: %s", target, failure.toString());
        String why = failure instanceof ConnectException || failure.getCause() instanceof ConnectException
                ? "could not be reached" : "closed the connection";
        return new ApiException(502, ErrorType.UPSTREAM.wire(), "The provider '" + provider + "' " + why + ".",
                null, "upstream_unreachable", List.of(), null);
    }

}
