package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/prometheus/: the scrape configuration of the local stack, the recording and alert rules, and their promtool
 * unit tests, checked with the real promtool; the rules name only metrics of the catalogue; every alert is tested
 * firing and quiet, and the unit tests notice when an alert's condition or its {@code for} is lost.
 */
class PrometheusRulesTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path DIR = Promtool.PROMETHEUS;
    private static final List<String> COMPONENTS = List.of("gateway", "admin", "auth", "routing", "metering");

    @Test
    void promtoolChecksTheConfigurationWithItsRuleFiles() {
        Promtool.Result result = Promtool.run("check", "config", "prometheus.yml");
        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.output()).as(result.describe()).contains(ruleFiles().size() + " rule files found");
    }

    @Test
    void promtoolChecksTheRules() {
        List<String> args = new ArrayList<>(List.of("check", "rules"));
        ruleFiles().forEach(f -> args.add(DIR.relativize(f).toString()));
        Promtool.Result result = Promtool.run(args.toArray(String[]::new));
        assertThat(result.ok()).as(result.describe()).isTrue();
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() {
        Promtool.Result result = Promtool.run(testArgs(DIR));
        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.output()).doesNotContain("FAILED");
    }

    @Test
    void theLocalStackIsScrapedOnEveryManagementPort() throws IOException {
        JsonNode config = YAML.readTree(DIR.resolve("prometheus.yml").toFile());
        Map<String, Integer> ports = localStackManagementPorts();
        assertThat(ports.keySet()).containsExactlyInAnyOrderElementsOf(COMPONENTS);
        Map<String, JsonNode> jobs = new TreeMap<>();
        config.path("scrape_configs").forEach(job -> jobs.put(job.path("job_name").asText(), job));
        assertThat(jobs.keySet()).containsExactlyInAnyOrderElementsOf(COMPONENTS);
        for (String component : COMPONENTS) {
            JsonNode job = jobs.get(component);
            assertThat(job.path("metrics_path").asText()).isEqualTo("/q/metrics");
            JsonNode staticConfig = job.path("static_configs").get(0);
            assertThat(staticConfig.path("targets").get(0).asText()).as(component).isEqualTo("127.0.0.1:" + ports.get(component));
            assertThat(staticConfig.path("labels").path("service").asText()).isEqualTo(component);
        }
        List<String> loaded = new ArrayList<>();
        config.path("rule_files").forEach(f -> loaded.add(f.asText()));
        assertThat(loaded).containsExactlyInAnyOrderElementsOf(ruleFiles().stream().map(f -> DIR.relativize(f).toString()).toList());
    }

    @Test
    void theRulesNameOnlyCataloguedMetricsAndDefinedRecordings() {
        MetricCatalogue catalogue = MetricCatalogue.load();
        Set<String> recorded = new LinkedHashSet<>();
        rules().forEach(r -> {
            if (r.has("record")) {
                recorded.add(r.path("record").asText());
            }
        });
        Pattern colonName = Pattern.compile("(?<![\\w:])[a-zA-Z_]\\w*:[\\w:]+");
        List<String> problems = new ArrayList<>();
        int nexusReferences = 0;
        for (JsonNode rule : rules()) {
            String expr = rule.path("expr").asText();
            String name = rule.has("record") ? rule.path("record").asText() : rule.path("alert").asText();
            catalogue.problems(expr).forEach(p -> problems.add(name + ": " + p));
            nexusReferences += MetricCatalogue.nexusNames(expr).size();
            Matcher m = colonName.matcher(MetricCatalogue.withoutStrings(expr));
            while (m.find()) {
                if (!recorded.contains(m.group())) {
                    problems.add(name + ": " + m.group() + " is not recorded by any rule");
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(nexusReferences).as("the rules read nexus_ metrics at all").isGreaterThan(10);
    }

    @Test
    void everyAlertHasAForASeverityAndAnnotations() {
        List<JsonNode> alerts = rules().stream().filter(r -> r.has("alert")).toList();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(9);
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(alert.path("for").asText()).as(name + " for").matches("\\d+[smh]").isNotIn("0s", "0m");
            assertThat(alert.at("/labels/severity").asText()).as(name + " severity").isIn("critical", "warning", "info");
            assertThat(alert.at("/annotations/summary").asText()).as(name + " summary").isNotBlank();
            assertThat(alert.at("/annotations/description").asText()).as(name + " description").isNotBlank();
        }
    }

    @Test
    void everyAlertIsTestedFiringAndQuietAndEveryRecordingRuleIsTested() throws IOException {
        Set<String> firing = new LinkedHashSet<>();
        Set<String> quiet = new LinkedHashSet<>();
        StringBuilder testedExprs = new StringBuilder();
        for (Path file : testFiles(DIR)) {
            for (JsonNode test : YAML.readTree(file.toFile()).path("tests")) {
                for (JsonNode t : test.path("alert_rule_test")) {
                    (t.path("exp_alerts").isEmpty() ? quiet : firing).add(t.path("alertname").asText());
                }
                test.path("promql_expr_test").forEach(t -> testedExprs.append(t.path("expr").asText()).append('\n'));
            }
        }
        for (JsonNode rule : rules()) {
            if (rule.has("alert")) {
                String alert = rule.path("alert").asText();
                assertThat(firing).as("a test where " + alert + " fires").contains(alert);
                assertThat(quiet).as("a test where " + alert + " stays quiet").contains(alert);
            } else {
                assertThat(testedExprs.toString()).as("a promql_expr_test of " + rule.path("record").asText())
                        .contains(rule.path("record").asText());
            }
        }
    }

    /** The unit tests fail when an alert never fires, and when it fires without waiting for its {@code for}. */
    @Test
    void theUnitTestsNoticeABrokenAlert() throws IOException {
        for (JsonNode rule : rules()) {
            if (!rule.has("alert")) {
                continue;
            }
            String alert = rule.path("alert").asText();
            assertMutantFails(alert, "never fires", r -> r.put("expr", "vector(1) == 0"));
            assertMutantFails(alert, "fires without its for", r -> r.put("for", "0s"));
        }
    }

    private static void assertMutantFails(String alert, String mutation, Consumer<ObjectNode> change) throws IOException {
        Path copy = Chart.WORK.resolve("prometheus-mutants").resolve(alert + "-" + mutation.replace(' ', '-'));
        copyTree(DIR.resolve("rules"), copy.resolve("rules"));
        copyTree(DIR.resolve("tests"), copy.resolve("tests"));
        for (Path file : ruleFiles()) {
            JsonNode rules = YAML.readTree(file.toFile());
            for (JsonNode group : rules.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (alert.equals(rule.path("alert").asText())) {
                        change.accept((ObjectNode) rule);
                    }
                }
            }
            YAML.writeValue(copy.resolve(DIR.relativize(file)).toFile(), rules);
        }
        Promtool.Result result = Promtool.run(testArgs(copy));
        assertThat(result.ok()).as("the unit tests pass although %s %s:\n%s", alert, mutation, result.describe()).isFalse();
        assertThat(result.output()).as(result.describe()).contains(alert);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String[] testArgs(Path dir) {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        testFiles(dir).forEach(f -> args.add(f.toString()));
        return args.toArray(String[]::new);
    }

    static List<Path> ruleFiles() {
        return yamlFiles(DIR.resolve("rules"));
    }

    private static List<Path> testFiles(Path dir) {
        return yamlFiles(dir.resolve("tests"));
    }

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every rule of every rule file. */
    static List<JsonNode> rules() {
        List<JsonNode> rules = new ArrayList<>();
        for (Path file : ruleFiles()) {
            try {
                YAML.readTree(file.toFile()).path("groups").forEach(g -> g.path("rules").forEach(rules::add));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return rules;
    }

    /** The management ports deploy/local/nexus gives the services (its MGMT_PORT table). */
    private static Map<String, Integer> localStackManagementPorts() throws IOException {
        String script = Files.readString(Promtool.DEPLOY.resolve("local/nexus"));
        Matcher table = Pattern.compile("declare -A MGMT_PORT=\\(([^)]*)\\)").matcher(script);
        assertThat(table.find()).as("MGMT_PORT in deploy/local/nexus").isTrue();
        Map<String, Integer> ports = new LinkedHashMap<>();
        Matcher entry = Pattern.compile("\\[(\\w+)]=(\\d+)").matcher(table.group(1));
        while (entry.find()) {
            ports.put(entry.group(1), Integer.parseInt(entry.group(2)));
        }
        return ports;
    }
}
