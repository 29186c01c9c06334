package io.nexusai.metering.rest;

import io.nexusai.api.auth.BearerToken;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.service.auth.PrincipalCache;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code /v1/usage}: requests, tokens and cost. An app key sees its own tenant only; an admin key sees any
 * tenant ({@code tenant_id}) or all of them.
 */
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
public class UsageResource {
    private static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
    private static final int MAX_EVENTS = 1000;
    private final UsageRepository usage;
    private final PrincipalCache principals;

    public UsageResource(UsageRepository usage, PrincipalCache principals) {
        this.usage = usage;
        this.principals = principals;
    }

    /** Totals (and per-bucket totals) of one usage query. */
    public record UsageReport(String object, String tenantId, Instant start, Instant end, String groupBy,
                              Totals totals, List<Totals> buckets) {
    }

    /**
     * Requests, tokens and cost over a period or a bucket. {@code cachedTokens} (read from the provider's prompt
     * cache) and {@code cacheWriteTokens} (written to it) are parts of {@code promptTokens}, {@code reasoningTokens}
     * part of {@code completionTokens}: they are not added to the total.
     */
    public record Totals(Instant start, long requests, long promptTokens, long completionTokens, long totalTokens,
                         BigDecimal cost, long cachedTokens, long cacheWriteTokens, long reasoningTokens) {
        public static Totals of(UsageRepository.Totals t) {
            return new Totals(t.bucket(), t.requests(), t.promptTokens(), t.completionTokens(), t.totalTokens(), t.cost(),
                    t.cachedTokens(), t.cacheWriteTokens(), t.reasoningTokens());
        }
    }

    /** Individual requests. */
    public record EventList(String object, List<UsageRepository.StoredEvent> data) {
    }

    /** Cost allocation: totals per tenant and model alias. */
    public record AllocationReport(String object, Instant start, Instant end, List<UsageRepository.Allocation> data) {
    }

    @GET
    public Uni<UsageReport> usage(@HeaderParam("Authorization") String authorization,
                                  @QueryParam("tenant_id") String tenantId, @QueryParam("start") String start,
                                  @QueryParam("end") String end, @QueryParam("key_id") String keyId,
                                  @QueryParam("model") String model, @QueryParam("real_model") String realModel,
                                  @QueryParam("provider") String provider, @QueryParam("group_by") String groupBy) {
        String unit = bucketUnit(groupBy);
        return scope(authorization, tenantId).flatMap(tenant -> {
            UsageRepository.Filter f = filter(tenant, start, end, keyId, model, realModel, provider, null);
            Uni<List<UsageRepository.Totals>> totals = usage.totals(f, null);
            Uni<List<UsageRepository.Totals>> buckets = unit == null ? Uni.createFrom().item(List.of()) : usage.totals(f, unit);
            return Uni.combine().all().unis(totals, buckets).asTuple().map(t -> new UsageReport("usage", tenant, f.start(), f.end(),
                    unit, Totals.of(t.getItem1().get(0)), t.getItem2().stream().map(Totals::of).toList()));
        });
    }

    @GET
    @Path("/events")
    public Uni<EventList> events(@HeaderParam("Authorization") String authorization,
                                 @QueryParam("tenant_id") String tenantId, @QueryParam("start") String start,
                                 @QueryParam("end") String end, @QueryParam("key_id") String keyId,
                                 @QueryParam("model") String model, @QueryParam("request_id") String requestId,
                                 @QueryParam("limit") Integer limit) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > MAX_EVENTS) {
            throw ApiException.badRequest("limit must be between 1 and " + MAX_EVENTS + ".", "limit");
        }
        return scope(authorization, tenantId).flatMap(tenant -> usage.events(
                filter(tenant, start, end, keyId, model, null, null, requestId), n).map(l -> new EventList("list", l)));
    }

    @GET
    @Path("/allocation")
    public Uni<AllocationReport> allocation(@HeaderParam("Authorization") String authorization,
                                            @QueryParam("tenant_id") String tenantId, @QueryParam("start") String start,
                                            @QueryParam("end") String end) {
        return scope(authorization, tenantId).flatMap(tenant -> {
            UsageRepository.Filter f = filter(tenant, start, end, null, null, null, null, null);
            return usage.allocation(f).map(l -> new AllocationReport("list", f.start(), f.end(), l));
        });
    }

    /** The tenant the caller may read: its own for app keys, the requested one (or all: null) for admin keys. */
    private Uni<String> scope(String authorization, String requestedTenant) {
        String token = BearerToken.from(authorization);
        if (token == null) {
            return Uni.createFrom().failure(ApiException.unauthorized("Missing API key: send Authorization: Bearer <key>."));
        }
        return principals.resolve(token).map(p -> tenantFor(p, requestedTenant));
    }

    private static String tenantFor(Principal p, String requestedTenant) {
        if (p.isAdmin()) {
            return requestedTenant;
        }
        if (requestedTenant != null && !requestedTenant.equals(p.tenantId())) {
            throw ApiException.forbidden("This key may only read its own tenant's usage.", "tenant_forbidden");
        }
        return p.tenantId();
    }

    private static UsageRepository.Filter filter(String tenant, String start, String end, String keyId, String alias,
                                                 String realModel, String provider, String requestId) {
        Instant e = end == null ? Instant.now().plusSeconds(1) : instant(end, "end");
        Instant s = start == null ? e.minus(DEFAULT_WINDOW) : instant(start, "start");
        if (!s.isBefore(e)) {
            throw ApiException.badRequest("start must be before end.", "start");
        }
        return new UsageRepository.Filter(tenant, s, e, keyId, alias, realModel, provider, requestId);
    }

    static Instant instant(String value, String param) {
        try {
            if (value.matches("\\d{1,12}")) {
                return Instant.ofEpochSecond(Long.parseLong(value));
            }
            if (value.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw ApiException.badRequest(param + " must be an ISO-8601 instant, a date (YYYY-MM-DD) or epoch seconds.", param);
        }
    }

    private static String bucketUnit(String groupBy) {
        if (groupBy == null || groupBy.isEmpty()) {
            return null;
        }
        return switch (groupBy) {
            case "day" -> "day";
            case "hour" -> "hour";
            default -> throw ApiException.badRequest("group_by must be day or hour.", "group_by");
        };
    }
}
