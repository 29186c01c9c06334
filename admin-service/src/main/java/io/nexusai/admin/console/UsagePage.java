package io.nexusai.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.admin.repository.Tenant;
import io.nexusai.admin.service.TenantService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Usage and cost page: requests, tokens and cost per day or hour (filtered by tenant, alias and provider) drawn as
 * server-rendered SVG bar charts, the cost-allocation table (tenant × alias), each tenant's cost budgets with how much
 * is used (today, this month), and a CSV export of the buckets. Everything is read from metering-service's usage API
 * with the signed-in user's admin key.
 */
@Path("/console")
public class UsagePage {
    private static final Pattern FILTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:/@-]{0,199}");
    private final Backends backends;
    private final ConsoleSessions sessions;
    private final TenantService tenants;
    private final ConsoleUser user;

    public UsagePage(Backends backends, ConsoleSessions sessions, TenantService tenants, ConsoleUser user) {
        this.backends = backends;
        this.sessions = sessions;
        this.tenants = tenants;
        this.user = user;
    }

    /** The page's query, checked: a filter is a plain name, or ignored. */
    private record Query(String tenant, String model, String provider, String groupBy, int days) {
        static Query of(String tenant, String model, String provider, String groupBy, String days) {
            int d = "1".equals(days) ? 1 : "30".equals(days) ? 30 : 7;
            return new Query(filter(tenant), filter(model), filter(provider), "hour".equals(groupBy) ? "hour" : "day", d);
        }

        private static String filter(String v) {
            return v == null || !FILTER.matcher(v.strip()).matches() ? null : v.strip();
        }

        Instant start(Instant end) {
            return "hour".equals(groupBy) ? end.truncatedTo(ChronoUnit.HOURS).minus(days * 24L - 1, ChronoUnit.HOURS)
                    : end.truncatedTo(ChronoUnit.DAYS).minus(days - 1L, ChronoUnit.DAYS);
        }

        String asQuery() {
            StringBuilder q = new StringBuilder("group_by=" + groupBy + "&days=" + days);
            append(q, "tenant", tenant);
            append(q, "model", model);
            append(q, "provider", provider);
            return q.toString();
        }

        private static void append(StringBuilder q, String name, String value) {
            if (value != null) {
                q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
    }

    @GET
    @Path("/usage")
    public Uni<Response> usage(@QueryParam("tenant") String tenant, @QueryParam("model") String model,
                               @QueryParam("provider") String provider, @QueryParam("group_by") String groupBy,
                               @QueryParam("days") String days) {
        Query q = Query.of(tenant, model, provider, groupBy, days);
        String adminKey = sessions.adminKey(user.session());
        Instant end = Instant.now().plusSeconds(1);
        String start = q.start(end).toString();
        return backends.usage(adminKey, q.tenant(), q.model(), q.provider(), start, end.toString(), q.groupBy())
                .flatMap(report -> backends.allocation(adminKey, start, end.toString()).flatMap(allocation ->
                        budgets(adminKey).flatMap(budgets -> Results.page(Pages.usage(new Frame("usage", user.csrf(), null, null),
                                new Pages.UsageModel(q.tenant(), q.model(), q.provider(), q.groupBy(), q.days(), report != null,
                                        charts(report, q.groupBy()), allocation(allocation), budgets, q.asQuery()))))));
    }

    /** The buckets as CSV: one line per day or hour. */
    @GET
    @Path("/usage.csv")
    @Produces("text/csv")
    public Uni<Response> csv(@QueryParam("tenant") String tenant, @QueryParam("model") String model,
                             @QueryParam("provider") String provider, @QueryParam("group_by") String groupBy,
                             @QueryParam("days") String days) {
        Query q = Query.of(tenant, model, provider, groupBy, days);
        Instant end = Instant.now().plusSeconds(1);
        return backends.usage(sessions.adminKey(user.session()), q.tenant(), q.model(), q.provider(), q.start(end).toString(),
                end.toString(), q.groupBy()).map(report -> {
                    if (report == null) {
                        return Response.status(503).type("text/plain").entity("Usage unavailable: metering-service did not answer.").build();
                    }
                    StringBuilder csv = new StringBuilder("start,requests,prompt_tokens,completion_tokens,total_tokens,cost\n");
                    for (JsonNode b : report.path("buckets")) {
                        csv.append(b.path("start").asText()).append(',').append(b.path("requests").asLong()).append(',')
                                .append(b.path("prompt_tokens").asLong()).append(',').append(b.path("completion_tokens").asLong())
                                .append(',').append(b.path("total_tokens").asLong()).append(',').append(b.path("cost").decimalValue().toPlainString())
                                .append('\n');
                    }
                    return Response.ok(csv.toString()).type("text/csv; charset=UTF-8")
                            .header("Content-Disposition", "attachment; filename=\"nexusai-usage.csv\"").build();
                });
    }

    static List<Pages.Chart> charts(JsonNode report, String groupBy) {
        List<Pages.Chart> charts = new ArrayList<>();
        if (report == null) {
            return charts;
        }
        JsonNode totals = report.path("totals");
        JsonNode buckets = report.path("buckets");
        charts.add(chart("requests", Long.toString(totals.path("requests").asLong()), buckets, "requests", groupBy));
        charts.add(chart("tokens", Long.toString(totals.path("total_tokens").asLong()), buckets, "total_tokens", groupBy));
        charts.add(chart("cost", money(totals.path("cost").decimalValue()), buckets, "cost", groupBy));
        return charts;
    }

    private static Pages.Chart chart(String title, String total, JsonNode buckets, String field, String groupBy) {
        double max = 0;
        for (JsonNode b : buckets) {
            max = Math.max(max, b.path(field).asDouble());
        }
        int n = Math.max(buckets.size(), 1);
        double slot = 100.0 / n;
        List<Pages.Bar> bars = new ArrayList<>();
        int i = 0;
        for (JsonNode b : buckets) {
            double v = b.path(field).asDouble();
            double h = max <= 0 ? 0 : 40.0 * v / max;
            String start = b.path("start").asText();
            String label = "hour".equals(groupBy) && start.length() >= 13 ? start.substring(0, 13).replace('T', ' ') + "h"
                    : start.length() >= 10 ? start.substring(0, 10) : start;
            String value = "cost".equals(field) ? money(b.path(field).decimalValue()) : Long.toString(b.path(field).asLong());
            bars.add(new Pages.Bar(label, value, num(i * slot + slot * 0.1), num(slot * 0.8), num(40 - h), num(h)));
            i++;
        }
        return new Pages.Chart(title, total, bars);
    }

    static List<Pages.Allocation> allocation(JsonNode report) {
        List<Pages.Allocation> rows = new ArrayList<>();
        if (report != null) {
            for (JsonNode a : report.path("data")) {
                rows.add(new Pages.Allocation(a.path("tenant_id").asText(), a.path("alias").asText(), a.path("requests").asLong(),
                        a.path("total_tokens").asLong(), money(a.path("cost").decimalValue())));
            }
        }
        return rows;
    }

    /** Each tenant's daily and monthly cost budget against its cost so far today and this month (UTC). */
    private Uni<List<Pages.Budget>> budgets(String adminKey) {
        return tenants.list().flatMap(list -> {
            List<Tenant> budgeted = list.stream().filter(t -> t.limits != null
                    && (t.limits.dailyCostBudget != null || t.limits.monthlyCostBudget != null)).limit(50).toList();
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            String dayStart = today.atStartOfDay().toInstant(ZoneOffset.UTC).toString();
            String monthStart = today.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
            String end = Instant.now().plusSeconds(1).toString();
            return Multi.createFrom().iterable(budgeted).onItem().transformToUniAndConcatenate(t -> {
                List<Pages.Budget> rows = new ArrayList<>();
                Uni<Void> day = t.limits.dailyCostBudget == null ? Uni.createFrom().voidItem()
                        : backends.usage(adminKey, t.id, null, null, dayStart, end, null)
                        .invoke(r -> rows.add(budget(t.id, "today", r, t.limits.dailyCostBudget))).replaceWithVoid();
                Uni<Void> month = t.limits.monthlyCostBudget == null ? Uni.createFrom().voidItem()
                        : backends.usage(adminKey, t.id, null, null, monthStart, end, null)
                        .invoke(r -> rows.add(budget(t.id, "this month", r, t.limits.monthlyCostBudget))).replaceWithVoid();
                return day.flatMap(v -> month).map(v -> rows);
            }).collect().asList().map(l -> l.stream().flatMap(List::stream).toList());
        });
    }

    private static Pages.Budget budget(String tenant, String period, JsonNode report, BigDecimal budget) {
        BigDecimal used = report == null ? null : report.path("totals").path("cost").decimalValue();
        double ratio = used == null || budget.signum() == 0 ? 0 : used.divide(budget, 6, RoundingMode.HALF_UP).doubleValue();
        return new Pages.Budget(tenant, period, used == null ? "unknown" : money(used), money(budget),
                String.format(Locale.ROOT, "%.0f", ratio * 100), num(Math.min(ratio, 1) * 100), ratio >= 1);
    }

    private static String money(BigDecimal v) {
        return v == null ? "0" : v.setScale(v.scale() > 6 ? 6 : Math.max(v.scale(), 2), RoundingMode.HALF_UP).toPlainString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
