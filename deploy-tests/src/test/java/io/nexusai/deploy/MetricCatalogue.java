package io.nexusai.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/prometheus/metrics.tsv, the metrics NexusAI exports: what a PromQL expression of the rules or dashboards
 * may name. A histogram is listed by its base name; its _bucket, _sum, _count (and Micrometer's _max) series follow.
 */
final class MetricCatalogue {

    /** Labels Prometheus adds to every scraped series (target labels of deploy/prometheus/prometheus.yml). */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance", "service");

    record Metric(String service, String name, String type, Set<String> labels) {
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    /** A nexus_ name that is not part of a recording rule's level:metric:operations name. */
    private static final Pattern NEXUS_NAME = Pattern.compile("(?<![\\w:])nexus_\\w+(?![\\w:])");
    private static final Pattern SELECTOR = Pattern.compile("(?<![\\w:])(nexus_\\w+)\\s*\\{([^}]*)}");
    private static final Pattern MATCHER_LABEL = Pattern.compile("(\\w+)\\s*(?:=~|!~|!=|=)");
    private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_sum", "_count", "_max");

    private final Map<String, Metric> metrics;

    private MetricCatalogue(Map<String, Metric> metrics) {
        this.metrics = metrics;
    }

    static MetricCatalogue load() {
        Path file = Promtool.PROMETHEUS.resolve("metrics.tsv");
        Map<String, Metric> metrics = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#") || line.startsWith("service\t")) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                if (cols.length != 5) {
                    throw new IllegalStateException(file + ": not 5 tab-separated columns: " + line);
                }
                Set<String> labels = new LinkedHashSet<>();
                for (String label : cols[3].split(",")) {
                    if (!label.isBlank()) {
                        labels.add(label.strip());
                    }
                }
                metrics.put(cols[1], new Metric(cols[0], cols[1], cols[2], labels));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new MetricCatalogue(metrics);
    }

    Map<String, Metric> metrics() {
        return metrics;
    }

    /** The catalogued metric a series name belongs to (a histogram's _bucket series to the histogram), if any. */
    Metric metricOf(String seriesName) {
        Metric direct = metrics.get(seriesName);
        if (direct != null) {
            return direct;
        }
        for (String suffix : HISTOGRAM_SUFFIXES) {
            if (seriesName.endsWith(suffix)) {
                Metric base = metrics.get(seriesName.substring(0, seriesName.length() - suffix.length()));
                if (base != null && "histogram".equals(base.type())) {
                    return base;
                }
            }
        }
        return null;
    }

    /** The nexus_ series names an expression reads (recording rules' colon names and string contents left out). */
    static Set<String> nexusNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = NEXUS_NAME.matcher(withoutStrings(expr));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /**
     * What is wrong with the metrics an expression names: series not in the catalogue, and label matchers on a
     * label the metric does not have. Empty when all is well.
     */
    List<String> problems(String expr) {
        List<String> problems = new ArrayList<>();
        for (String name : nexusNames(expr)) {
            if (metricOf(name) == null) {
                problems.add(name + " is not in deploy/prometheus/metrics.tsv");
            }
        }
        Matcher selector = SELECTOR.matcher(withoutStrings(expr));
        while (selector.find()) {
            Metric metric = metricOf(selector.group(1));
            if (metric == null) {
                continue;
            }
            Matcher label = MATCHER_LABEL.matcher(selector.group(2));
            while (label.find()) {
                String name = label.group(1);
                boolean le = "le".equals(name) && selector.group(1).endsWith("_bucket");
                if (!metric.labels().contains(name) && !TARGET_LABELS.contains(name) && !le) {
                    problems.add(selector.group(1) + " has no label " + name + " (catalogue: " + metric.labels() + ")");
                }
            }
        }
        return problems;
    }

    /** The expression with every string literal emptied (label values are not names). */
    static String withoutStrings(String expr) {
        return STRING.matcher(expr).replaceAll("\"\"");
    }
}
