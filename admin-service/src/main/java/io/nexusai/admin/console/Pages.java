package io.nexusai.admin.console;

import io.nexusai.admin.service.ApplyService;
import io.nexusai.admin.view.AuditView;
import io.nexusai.admin.view.KeyView;
import io.nexusai.admin.view.ProviderView;
import io.nexusai.admin.view.TenantView;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;

import java.util.List;

/**
 * The console's pages: type-safe Qute templates under {@code templates/console/} (checked at build time), each laid
 * out by {@code console/layout.html}. HTML templates escape every value; none is inserted raw.
 */
@CheckedTemplate(basePath = "console")
final class Pages {
    private Pages() {
    }

    static native TemplateInstance signIn(String csrf, String error);

    static native TemplateInstance providers(Frame frame, List<ProviderRow> rows, boolean healthKnown);

    static native TemplateInstance provider(Frame frame, ProviderView p);

    static native TemplateInstance routes(Frame frame, List<AliasBlock> aliases, List<ProviderView> providers);

    static native TemplateInstance tenants(Frame frame, List<TenantView> tenants);

    static native TemplateInstance tenant(Frame frame, TenantView tenant, List<KeyView> keys, KeyView shown);

    static native TemplateInstance apply(Frame frame, String yaml, boolean prune, ApplyService.Result result);

    static native TemplateInstance usage(Frame frame, UsageModel usage);

    static native TemplateInstance anomalies(Frame frame, List<io.nexusai.admin.rest.AnomalyResource.AnomalyView> entries,
                                             java.util.Map<String, Long> totals, String type, String tenant, String older);

    static native TemplateInstance audit(Frame frame, List<AuditView> entries, AuditFilter filter, Long nextBeforeId);

    /** A provider with its health from the matrix ({@code status} null when the matrix has no target of it). */
    @TemplateData
    record ProviderRow(ProviderView p, String status, String errorPercent, String p99Ms, int openBreakers, int gateways) {
    }

    /** One part of a split bar: x and width in percent of the bar. */
    @TemplateData
    record Segment(String label, String x, String width, String percent, int colour) {
    }

    /** One deployment (route) of an alias, with its region split. */
    @TemplateData
    record Deployment(io.nexusai.admin.view.RouteView r, String provider, String regions, List<Segment> regionSplit) {
    }

    /** The deployments of one priority tier and how the tier's traffic splits over them. */
    @TemplateData
    record Tier(int priority, List<Deployment> deployments, List<Segment> split) {
    }

    /** An alias: its serving policy and deployments by tier. */
    @TemplateData
    record AliasBlock(io.nexusai.admin.view.AliasView policy, List<Tier> tiers) {
    }

    /** The audit page's filters; {@code query} is them as a URL query (for the next page's link). */
    @TemplateData
    record AuditFilter(String objectType, String objectId, String action, String actor, String query) {
    }

    /** One bar of a chart: height in percent, with its label. */
    @TemplateData
    record Bar(String label, String value, String x, String width, String y, String height) {
    }

    /** A bar chart of one metric over time. */
    @TemplateData
    record Chart(String title, String total, List<Bar> bars) {
    }

    /** One row of the cost allocation table. */
    @TemplateData
    record Allocation(String tenant, String alias, long requests, long tokens, String cost) {
    }

    /** A tenant's budget and how much of it is used. */
    @TemplateData
    record Budget(String tenant, String period, String used, String budget, String percent, String width, boolean over) {
    }

    /** The usage page: filters, charts, allocation and budgets. */
    @TemplateData
    record UsageModel(String tenant, String model, String provider, String groupBy, int days, boolean available,
                      List<Chart> charts, List<Allocation> allocation, List<Budget> budgets, String csvQuery) {
    }
}
