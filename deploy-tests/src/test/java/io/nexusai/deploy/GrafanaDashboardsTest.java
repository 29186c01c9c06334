package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/grafana/: the dashboards (the one source the chart packages) and the provisioning files. Every PromQL
 * expression of every dashboard (panel targets and variable queries, with Grafana's variables replaced) parses in
 * promtool and names only catalogued metrics and labels; every panel reads the {@code $datasource} variable; no
 * dashboard names a host; uids are the fixed ones links and bookmarks rely on.
 */
class GrafanaDashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GRAFANA = Promtool.DEPLOY.resolve("grafana");
    private static final Path DASHBOARDS = GRAFANA.resolve("dashboards");
    private static final String DATASOURCE = "${datasource}";

    /** file → uid: a changed uid breaks links and bookmarks, so a change must be deliberate (here). */
    private static final Map<String, String> UIDS = Map.of(
            "nexusai-overview.json", "nexusai-overview",
            "nexusai-traffic.json", "nexusai-traffic",
            "nexusai-provider-health.json", "nexusai-provider-health",
            "nexusai-cost.json", "nexusai-cost",
            "nexusai-anomalies.json", "nexusai-anomalies");

    /** Grafana's built-in variables, as a Prometheus query would receive them. */
    private static final Map<String, String> BUILT_INS = Map.of(
            "__rate_interval", "1m", "__interval", "30s", "__range", "1h",
            "__interval_ms", "30000", "__range_s", "3600", "__range_ms", "3600000");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::[^}]*)?}|\\$(\\w+)|\\[\\[(\\w+)(?::[^]]*)?]]");
    private static final Pattern HOST = Pattern.compile("(?i)localhost|127\\.0\\.0\\.1|\\b[\\w.-]+\\.[a-z]{2,}:\\d{2,5}\\b|\\b\\d{1,3}(\\.\\d{1,3}){3}\\b|https?://");

    /** One PromQL expression of a dashboard, and where it is. */
    record Query(String dashboard, String where, String expr) {
        @Override
        public String toString() {
            return dashboard + " › " + where + ": " + expr;
        }
    }

    @Test
    void theDashboardsAreTheExpectedOnesWithStableUids() {
        Map<String, String> uids = new TreeMap<>();
        dashboards().forEach((file, d) -> uids.put(file, d.path("uid").asText()));
        assertThat(uids).isEqualTo(new TreeMap<>(UIDS));
        dashboards().forEach((file, d) -> {
            assertThat(d.path("title").asText()).as(file).startsWith("NexusAI / ");
            assertThat(d.path("tags")).as(file).anySatisfy(t -> assertThat(t.asText()).isEqualTo("nexusai"));
            assertThat(d.has("id") && !d.path("id").isNull()).as(file + ": no instance-specific id").isFalse();
            assertThat(panels(d)).as(file).isNotEmpty();
        });
    }

    @Test
    void everyPanelAndQueryReadsTheDatasourceVariable() {
        dashboards().forEach((file, d) -> {
            JsonNode variable = variables(d).get("datasource");
            assertThat(variable).as(file + ": a $datasource variable").isNotNull();
            assertThat(variable.path("type").asText()).isEqualTo("datasource");
            assertThat(variable.path("query").asText()).isEqualTo("prometheus");
            for (JsonNode panel : panels(d)) {
                String where = file + " › " + panel.path("title").asText();
                assertThat(panel.at("/datasource/uid").asText()).as(where).isEqualTo(DATASOURCE);
                assertThat(panel.path("targets")).as(where + ": targets").isNotEmpty();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.at("/datasource/uid").asText()).as(where + " " + target.path("refId")).isEqualTo(DATASOURCE);
                    assertThat(target.path("expr").asText()).as(where + " " + target.path("refId")).isNotBlank();
                }
            }
            variables(d).values().stream().filter(v -> "query".equals(v.path("type").asText()))
                    .forEach(v -> assertThat(v.at("/datasource/uid").asText()).as(file + " $" + v.path("name").asText()).isEqualTo(DATASOURCE));
        });
    }

    @Test
    void panelsHaveUniqueIdsTitlesDescriptionsUnitsAndFitTheGrid() {
        dashboards().forEach((file, d) -> {
            Set<Integer> ids = new java.util.HashSet<>();
            for (JsonNode panel : allPanels(d)) {
                String where = file + " › " + panel.path("title").asText();
                assertThat(ids.add(panel.path("id").asInt())).as(where + ": unique panel id").isTrue();
                assertThat(panel.path("title").asText()).as(where).isNotBlank();
                assertThat(panel.at("/gridPos/x").asInt() + panel.at("/gridPos/w").asInt()).as(where + " width").isBetween(1, 24);
                String type = panel.path("type").asText();
                if (!"row".equals(type)) {
                    assertThat(panel.path("description").asText()).as(where + " description").isNotBlank();
                }
                if (Set.of("timeseries", "stat", "bargauge", "piechart").contains(type)) {
                    assertThat(panel.at("/fieldConfig/defaults/unit").asText()).as(where + " unit").isNotBlank();
                }
                if ("heatmap".equals(type)) {
                    assertThat(panel.at("/options/yAxis/unit").asText()).as(where + " y axis unit").isEqualTo("s");
                }
            }
        });
    }

    @Test
    void theRequiredViewsExist() {
        Map<String, JsonNode> d = dashboards();
        assertThat(panels(d.get("nexusai-traffic.json"))).as("a heat map over nexus_latency_seconds_bucket")
                .anySatisfy(p -> {
                    assertThat(p.path("type").asText()).isEqualTo("heatmap");
                    assertThat(p.at("/targets/0/expr").asText()).contains("nexus_latency_seconds_bucket");
                    assertThat(p.at("/targets/0/format").asText()).isEqualTo("heatmap");
                });
        assertThat(queries(d.get("nexusai-provider-health.json"), "health").stream().map(Query::expr))
                .anySatisfy(e -> assertThat(e).contains("nexus_requests_total").contains("by (provider, status)"))
                .anySatisfy(e -> assertThat(e).contains("nexus_provider_up"))
                .anySatisfy(e -> assertThat(e).contains("nexus_provider_error_ratio"))
                .anySatisfy(e -> assertThat(e).contains("nexus_circuit_breaker_state"))
                // every deployment, whatever NEXUS_METRICS_MAX_DEPLOYMENTS: routing's replicas agree, gateways count their own
                .anySatisfy(e -> assertThat(e).contains("max by (provider, health) (nexus_provider_deployments"))
                .anySatisfy(e -> assertThat(e).contains("sum by (provider, state) (nexus_circuit_breakers{"));
        assertThat(queries(d.get("nexusai-cost.json"), "cost").stream().map(Query::expr))
                .anySatisfy(e -> assertThat(e).contains("nexus_metering_cost_total").contains("by (tenant, model)"))
                .anySatisfy(e -> assertThat(e).contains("nexus_metering_tokens_total").contains("by (tenant, model)"));
        assertThat(queries(d.get("nexusai-anomalies.json"), "anomalies").stream().map(Query::expr))
                .anySatisfy(e -> assertThat(e).contains("nexus_anomalies_total").contains("by (type)"))
                .anySatisfy(e -> assertThat(e).contains("status=~\"4..\""))
                .anySatisfy(e -> assertThat(e).contains("nexus_limit_rejections_total"));
    }

    /**
     * A panel reading a per-deployment metric (one with a {@code deployment} label: bounded by
     * NEXUS_METRICS_MAX_DEPLOYMENTS per replica) says in its description that it shows only the first deployments.
     */
    @Test
    void perDeploymentPanelsSayTheyShowOnlyTheFirstDeployments() {
        MetricCatalogue catalogue = MetricCatalogue.load();
        List<String> perDeployment = catalogue.metrics().values().stream().filter(m -> m.labels().contains("deployment"))
                .map(MetricCatalogue.Metric::name).toList();
        assertThat(perDeployment).contains("nexus_provider_up", "nexus_circuit_breaker_state");
        int checked = 0;
        for (Map.Entry<String, JsonNode> d : dashboards().entrySet()) {
            for (JsonNode panel : panels(d.getValue())) {
                boolean reads = false;
                for (JsonNode target : panel.path("targets")) {
                    reads |= MetricCatalogue.nexusNames(target.path("expr").asText()).stream().anyMatch(perDeployment::contains);
                }
                if (reads) {
                    checked++;
                    assertThat(panel.path("description").asText()).as(d.getKey() + " › " + panel.path("title").asText())
                            .contains("NEXUS_METRICS_MAX_DEPLOYMENTS");
                }
            }
        }
        assertThat(checked).as("per-deployment panels").isPositive();
    }

    @Test
    void noDashboardNamesAHost() throws IOException {
        for (Path file : dashboardFiles()) {
            Matcher m = HOST.matcher(Files.readString(file));
            assertThat(m.find() ? m.group() : null).as(file.getFileName() + " names a host").isNull();
        }
    }

    @Test
    void everyQueryNamesOnlyCataloguedMetricsAndLabels() {
        MetricCatalogue catalogue = MetricCatalogue.load();
        List<String> problems = new ArrayList<>();
        List<Query> queries = allQueries();
        for (Query q : queries) {
            catalogue.problems(q.expr()).forEach(p -> problems.add(q + " → " + p));
        }
        assertThat(problems).isEmpty();
        long named = queries.stream().flatMap(q -> MetricCatalogue.nexusNames(q.expr()).stream()).distinct().count();
        assertThat(named).as("distinct nexus_ series the dashboards read").isGreaterThan(15);
    }

    /** promtool parses every expression: they are written as recording rules of one file and checked. */
    @Test
    void everyQueryParsesAsPromQL() throws IOException {
        List<Query> queries = allQueries();
        assertThat(queries).hasSizeGreaterThan(40);
        Map<String, Query> byRecord = new LinkedHashMap<>();
        ArrayNode rules = JSON.createArrayNode();
        for (Query q : queries) {
            String record = "dashboard_query_" + byRecord.size();
            byRecord.put(record, q);
            rules.addObject().put("record", record).put("expr", q.expr());
        }
        ObjectNode file = JSON.createObjectNode();
        file.putArray("groups").addObject().put("name", "dashboard-queries").set("rules", rules);
        Path rulesFile = Chart.WORK.resolve("dashboard-queries.yml");
        Files.createDirectories(rulesFile.getParent());
        new YAMLMapper().writeValue(rulesFile.toFile(), file);

        Promtool.Result result = Promtool.run("check", "rules", rulesFile.toString());
        StringBuilder which = new StringBuilder();
        Matcher failing = Pattern.compile("dashboard_query_\\d+").matcher(result.output());
        while (failing.find()) {
            which.append("\n  ").append(byRecord.get(failing.group()));
        }
        assertThat(result.ok()).as("%s\nqueries:%s", result.describe(), which).isTrue();
        assertThat(result.output()).contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void theProvisioningNamesTheDataSourceAndLoadsTheDashboards() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode datasources = yaml.readTree(GRAFANA.resolve("provisioning/datasources/prometheus.yml").toFile());
        assertThat(datasources.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode ds = datasources.at("/datasources/0");
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("uid").asText()).isEqualTo("nexusai-prometheus");
        assertThat(ds.path("url").asText()).as("the URL comes from the environment").isEqualTo("${NEXUS_PROMETHEUS_URL}");
        JsonNode providers = yaml.readTree(GRAFANA.resolve("provisioning/dashboards/nexusai.yml").toFile());
        JsonNode provider = providers.at("/providers/0");
        assertThat(provider.path("type").asText()).isEqualTo("file");
        assertThat(provider.path("folder").asText()).isEqualTo("NexusAI");
        assertThat(provider.at("/options/path").asText()).isEqualTo("${NEXUS_GRAFANA_DASHBOARDS}");
    }

    /** Grafana's variables replaced: built-ins by durations, the dashboard's own by a value; unknown ones fail. */
    static String substitute(String expr, Map<String, JsonNode> variables, String where) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = BUILT_INS.get(name);
            if (value == null) {
                JsonNode variable = variables.get(name);
                if (variable == null) {
                    throw new AssertionError(where + ": undefined variable $" + name + " in " + expr);
                }
                value = switch (variable.path("type").asText()) {
                    case "interval" -> "5m";
                    case "datasource" -> throw new AssertionError(where + ": $" + name + " used inside a query: " + expr);
                    default -> "value";
                };
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The PromQL of a variable query: label_values(expr, label) and query_result(expr) hold one; others none. */
    static String variablePromQL(String query) {
        String q = query.strip();
        Matcher labelValues = Pattern.compile("^label_values\\((.*),\\s*\\w+\\s*\\)$", Pattern.DOTALL).matcher(q);
        if (labelValues.matches()) {
            return labelValues.group(1);
        }
        Matcher queryResult = Pattern.compile("^query_result\\((.*)\\)$", Pattern.DOTALL).matcher(q);
        if (queryResult.matches()) {
            return queryResult.group(1);
        }
        if (q.startsWith("label_values(") || q.startsWith("label_names(") || q.startsWith("metrics(")) {
            return null;
        }
        return q;
    }

    static List<Query> allQueries() {
        List<Query> queries = new ArrayList<>();
        dashboards().forEach((file, d) -> queries.addAll(queries(d, file)));
        return queries;
    }

    private static List<Query> queries(JsonNode dashboard, String file) {
        Map<String, JsonNode> variables = variables(dashboard);
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                String where = "panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText();
                queries.add(new Query(file, where, substitute(target.path("expr").asText(), variables, file + " › " + where)));
            }
        }
        for (JsonNode variable : variables.values()) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText() : query.asText();
                String promql = variablePromQL(text);
                String where = "variable $" + variable.path("name").asText();
                if (promql != null) {
                    queries.add(new Query(file, where, substitute(promql, variables, file + " › " + where)));
                }
            }
        }
        return queries;
    }

    private static Map<String, JsonNode> variables(JsonNode dashboard) {
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.at("/templating/list").forEach(v -> variables.put(v.path("name").asText(), v));
        return variables;
    }

    /** Panels with queries (rows left out), including those inside collapsed rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        return allPanels(dashboard).stream().filter(p -> !"row".equals(p.path("type").asText())).toList();
    }

    private static List<JsonNode> allPanels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, JsonNode> dashboards() {
        Map<String, JsonNode> dashboards = new TreeMap<>();
        for (Path file : dashboardFiles()) {
            try {
                dashboards.put(file.getFileName().toString(), JSON.readTree(file.toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException(file + " is not JSON", e);
            }
        }
        return dashboards;
    }
}
