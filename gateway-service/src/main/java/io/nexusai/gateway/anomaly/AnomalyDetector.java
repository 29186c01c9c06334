package io.nexusai.gateway.anomaly;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.RequestIds;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.stage.AuthenticateStage;
import io.nexusai.service.auth.PrincipalCache;
import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Anomalous request detection: every finished request of the model APIs (through {@link AnomalyStage}), every
 * request refused before the pipeline (body too large or unreadable) and every relayed control-plane call refused
 * for its key is classified; anomalies count in {@code nexus_anomalies_total{type}} (types only: never key ids)
 * and are written, aggregated per type and caller once per {@code flush-every}, to the capped anomaly stream in
 * Redis that {@code GET /admin/v1/anomalies} reads. Requests of known keys also feed {@link RateSpikes}.
 *
 * <p>Costs nothing on the normal path beyond one map look-up and increment per request; writes to Redis never
 * delay a request and are bounded per flush, so a flood of bad requests cannot become a flood of Redis writes.
 */
@Singleton
public class AnomalyDetector {
    private static final Logger LOG = Logger.getLogger(AnomalyDetector.class);
    /** Refusals of a key's signature (401 codes of the signing check). */
    static final Set<String> SIGNATURE_CODES = Set.of("signature_required", "invalid_signature", "stale_timestamp", "replayed_request");
    private static final long WARN_EVERY_MS = 60_000;

    private final boolean enabled;
    private final GatewayConfig.Anomalies config;
    private final Map<AnomalyType, Counter> counters = new EnumMap<>(AnomalyType.class);
    private final RateSpikes rates;
    private final AnomalyBuffer buffer;
    private final Vertx vertx;
    private final Redis redis;
    private final String stream;
    private final PrincipalCache principals;
    private final String intervalText;
    private long flushTimer = -1;
    private long rollTimer = -1;
    private volatile long lastWarnMs;

    public AnomalyDetector(GatewayConfig gateway, MeterRegistry registry, Vertx vertx, Redis redis, PlatformSecrets secrets,
                           PrincipalCache principals) {
        this.config = gateway.anomalies();
        this.enabled = config.enabled();
        this.vertx = vertx;
        this.redis = redis;
        this.stream = secrets.redisNames().anomalyStream();
        this.principals = principals;
        GatewayConfig.Anomalies.RateSpike spike = config.rateSpike();
        this.rates = enabled && spike.enabled() ? new RateSpikes(spike.factor(), spike.floor(), spike.alpha(), spike.warmupIntervals(),
                spike.maxKeys(), spike.idleIntervals()) : null;
        this.intervalText = describe(spike.interval());
        this.buffer = new AnomalyBuffer(config.maxEntriesPerFlush());
        for (AnomalyType type : AnomalyType.values()) {
            counters.put(type, Counter.builder("nexus.anomalies").description("Anomalous requests by type")
                    .tag("type", type.wire()).register(registry));
        }
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        flushTimer = vertx.setPeriodic(config.flushEvery().toMillis(), id -> flush());
        if (rates != null) {
            rollTimer = vertx.setPeriodic(config.rateSpike().interval().toMillis(), id -> rates.roll());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (flushTimer >= 0) {
            vertx.cancelTimer(flushTimer);
        }
        if (rollTimer >= 0) {
            vertx.cancelTimer(rollTimer);
        }
        if (enabled) {
            flush();
        }
    }

    /**
     * The anomaly type of a refused request, or {@code null} when it is not one: 401 (and an admin key on the model
     * API) are auth failures unless the signing check refused it; 413, 414 and 431 are oversized; 400 and 415 before
     * the body was accepted are malformed.
     *
     * @param parsed whether the body had passed the parse checks (a later 400, e.g. from a provider, is not malformed)
     */
    static AnomalyType classify(int status, String code, boolean parsed) {
        return switch (status) {
            case 401 -> code != null && SIGNATURE_CODES.contains(code) ? AnomalyType.BAD_SIGNATURE : AnomalyType.AUTH_FAILURE;
            case 403 -> "admin_key_not_allowed".equals(code) ? AnomalyType.AUTH_FAILURE : null;
            case 413, 414, 431 -> AnomalyType.OVERSIZED;
            case 400, 415 -> parsed ? null : AnomalyType.MALFORMED;
            default -> null;
        };
    }

    /** A request of the model APIs has finished (called once per request, after the response). */
    public void completed(ProxyContext ctx) {
        if (!enabled) {
            return;
        }
        Principal principal = ctx.get(Principal.class);
        if (principal != null && rates != null) {
            RateSpikes.Spike spike = rates.hit(principal.tenantId(), principal.keyId());
            if (spike != null) {
                record(AnomalyType.RATE_SPIKE, spike.tenantId(), spike.keyId(), ctx.http(), shownId(ctx), ctx.status(),
                        String.format(Locale.ROOT, "%d requests in %s, baseline %.1f", spike.count(), intervalText, spike.baseline()));
            }
        }
        int status = ctx.status();
        if (status < 400) {
            return;
        }
        ApiException failure = ctx.failure();
        AnomalyType type = classify(status, failure == null ? null : failure.code(), ctx.get(ParsedRequest.class) != null || principal != null);
        if (type != null) {
            String tenantId = null;
            String keyId = null;
            RefusedCaller refused = ctx.get(RefusedCaller.class);
            Principal caller = principal != null ? principal : refused != null ? null : identify(ctx.http());
            if (caller != null) {
                tenantId = caller.tenantId();
                keyId = caller.keyId();
            } else if (refused != null) {
                tenantId = refused.tenantId();
                keyId = refused.keyId();
            }
            record(type, tenantId, keyId, ctx.http(), shownId(ctx), status, detail(failure));
        }
    }

    /** A request refused before the pipeline ran (body over the limit, unreadable body). */
    public void refusedEarly(RoutingContext http, int status) {
        if (!enabled) {
            return;
        }
        AnomalyType type = classify(status, null, false);
        if (type != null) {
            Principal caller = identify(http);
            record(type, caller == null ? null : caller.tenantId(), caller == null ? null : caller.keyId(), http,
                    RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER)), status,
                    status == 413 ? "request_too_large" : "unreadable_body");
        }
    }

    /** A control-plane call relayed to auth- or metering-service was answered (only refusals of the key count). */
    public void relayed(RoutingContext http, int status, String requestId) {
        if (enabled && status == 401) {
            Principal caller = identify(http);
            record(AnomalyType.AUTH_FAILURE, caller == null ? null : caller.tenantId(), caller == null ? null : caller.keyId(), http,
                    requestId, status, "refused by the control plane");
        }
    }

    private void record(AnomalyType type, String tenantId, String keyId, RoutingContext http, String requestId, int status, String detail) {
        counters.get(type).increment();
        buffer.add(type, tenantId, keyId, client(http), requestId, status, detail, System.currentTimeMillis());
    }

    /** The request id the client got back in {@code x-request-id} (its own when it sent a sane one), to find the entry by. */
    private static String shownId(ProxyContext ctx) {
        return ctx.clientRequestId() != null ? ctx.clientRequestId() : ctx.requestId();
    }

    /** The key behind a refused request when this gateway knows it from memory (no I/O), else {@code null}. */
    private Principal identify(RoutingContext http) {
        String token = AuthenticateStage.presentedKey(http.request());
        if (token == null) {
            return null;
        }
        try {
            return principals.cached(token);
        } catch (RuntimeException e) { // a session key that does not verify
            return null;
        }
    }

    private static String client(RoutingContext http) {
        SocketAddress address = http.request().remoteAddress();
        return address == null ? null : address.hostAddress();
    }

    /** The error code, else the parameter at fault; never the message (it may quote client input). */
    private static String detail(ApiException failure) {
        if (failure == null) {
            return null;
        }
        if (failure.code() != null) {
            return failure.code();
        }
        return failure.param() != null ? "invalid " + failure.param() : failure.type();
    }

    private static String describe(Duration interval) {
        long s = interval.toSeconds();
        return s > 0 && interval.toMillis() % 1000 == 0 ? s + "s" : interval.toMillis() + "ms";
    }

    /** Writes what was aggregated since the last flush to the anomaly stream: one pipelined batch, never awaited. */
    void flush() {
        List<AnomalyEntry> entries = buffer.drain();
        long overflow = buffer.takeOverflow();
        if (overflow > 0) {
            warn(() -> overflow + " anomalous requests of further callers were counted but not recorded"
                    + " (nexus.gateway.anomalies.max-entries-per-flush)");
        }
        if (entries.isEmpty()) {
            return;
        }
        List<Request> commands = new ArrayList<>(entries.size());
        for (AnomalyEntry e : entries) {
            Request xadd = Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(config.streamMaxLength()).arg("*");
            for (String f : e.fields()) {
                xadd.arg(f);
            }
            commands.add(xadd);
        }
        redis.batch(commands).onFailure(f -> warn(() -> entries.size() + " anomaly entries not recorded: Redis failed ("
                + f.getClass().getSimpleName() + ")"));
    }

    /** Logs at most once a minute: a Redis outage must not flood the log either. */
    private void warn(java.util.function.Supplier<String> message) {
        long now = System.currentTimeMillis();
        if (now - lastWarnMs >= WARN_EVERY_MS) {
            lastWarnMs = now;
            LOG.warn(message.get());
        }
    }

    /** The rate tracker, or {@code null} when rate spikes are off (tests). */
    RateSpikes rates() {
        return rates;
    }
}
