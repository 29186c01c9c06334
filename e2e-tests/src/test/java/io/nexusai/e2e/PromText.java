package io.nexusai.e2e;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4, what {@code /q/metrics} serves): {@code # TYPE}
 * lines, and samples {@code name{label="value",...} value [timestamp]} with escaped label values and the special
 * values {@code +Inf}, {@code -Inf} and {@code NaN}. Refuses anything else, so a malformed exposition fails the test.
 */
final class PromText {
    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
        String label(String key) {
            return labels.get(key);
        }
    }

    private static final String[] SUFFIXES = {"_bucket", "_count", "_sum", "_total", "_created"};

    final List<Sample> samples = new ArrayList<>();
    /** Metric family name → type, from the {@code # TYPE} lines. */
    final Map<String, String> types = new HashMap<>();

    static PromText parse(String text) {
        PromText out = new PromText();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 4 && parts[1].equals("TYPE")) {
                        if (out.types.put(parts[2], parts[3].trim()) != null) {
                            throw new IllegalArgumentException("second TYPE line for " + parts[2]);
                        }
                    }
                    continue;
                }
                out.samples.add(sample(line));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNo + " is not valid exposition text: " + line, e);
            }
        }
        return out;
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("no metric name");
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int start = i;
                while (isNameChar(line.charAt(i), i == start)) {
                    i++;
                }
                String key = line.substring(start, i);
                if (key.isEmpty() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
                    throw new IllegalArgumentException("bad label at " + start);
                }
                i += 2;
                StringBuilder value = new StringBuilder();
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("bad escape \\" + e);
                        });
                    } else {
                        value.append(c);
                    }
                }
                i++;
                if (labels.put(key, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + key + " twice");
                }
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("bad value");
        }
        return new Sample(name, Map.copyOf(labels), value(rest[0]));
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    }

    private static double value(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** The type of the family a metric (or a sample name like {@code x_bucket}) belongs to. */
    Optional<String> typeOf(String metric) {
        if (types.containsKey(metric)) {
            return Optional.of(types.get(metric));
        }
        for (String suffix : SUFFIXES) {
            if (metric.endsWith(suffix) && types.containsKey(metric.substring(0, metric.length() - suffix.length()))) {
                return Optional.of(types.get(metric.substring(0, metric.length() - suffix.length())));
            }
        }
        return Optional.empty();
    }

    /** Samples of that exact name whose labels include all of {@code match}. */
    List<Sample> find(String name, Map<String, String> match) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> match.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .toList();
    }

    /** The value of the one sample of that name with exactly these labels (in any order), if there is one. */
    Optional<Double> value(String name, Map<String, String> labels) {
        List<Sample> hits = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
        if (hits.size() > 1) {
            throw new IllegalStateException(hits.size() + " samples of " + name + labels);
        }
        return hits.stream().findFirst().map(Sample::value);
    }

    /** Sum over the samples of that name matching {@code match} (0 when none). */
    double sum(String name, Map<String, String> match) {
        return find(name, match).stream().mapToDouble(Sample::value).sum();
    }
}
