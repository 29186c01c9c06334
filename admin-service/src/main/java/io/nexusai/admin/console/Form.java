package io.nexusai.admin.console;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.ws.rs.core.MultivaluedMap;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a submitted console form, read into the types of the admin API's request bodies. A field left empty
 * reads as null (= not set, or unchanged on an edit). What cannot be read is collected and reported together by
 * {@link #check()}, as are the admin API's own validation rules by {@link #validate}.
 */
final class Form {
    private final MultivaluedMap<String, String> fields;
    private final List<String> problems = new ArrayList<>();

    Form(MultivaluedMap<String, String> fields) {
        this.fields = fields;
    }

    /** Bad form input: a 400 with every problem. */
    static final class Invalid extends RuntimeException {
        Invalid(List<String> problems) {
            super(String.join(" ", problems), null, false, false);
        }
    }

    String text(String name) {
        String v = fields == null ? null : fields.getFirst(name);
        if (v == null) {
            return null;
        }
        if (v.indexOf('\0') >= 0) {
            problems.add(label(name) + " must not contain a NUL character.");
            return null;
        }
        v = v.strip();
        return v.isEmpty() ? null : v;
    }

    /** A checkbox: true when ticked. */
    boolean checked(String name) {
        return text(name) != null;
    }

    Integer integer(String name) {
        return whole(name, Integer::valueOf);
    }

    Long longValue(String name) {
        return whole(name, Long::valueOf);
    }

    private <T> T whole(String name, java.util.function.Function<String, T> parse) {
        String v = text(name);
        if (v == null) {
            return null;
        }
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            problems.add(label(name) + " must be a whole number.");
            return null;
        }
    }

    /** A query filter: null when blank, too long (200) or holding a NUL character, else stripped. */
    static String filter(String v) {
        return v == null || v.isBlank() || v.length() > 200 || v.indexOf('\0') >= 0 ? null : v.strip();
    }

    BigDecimal decimal(String name) {
        String v = text(name);
        if (v == null) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(v);
            if (d.scale() > 20 || d.precision() - d.scale() > 20) {
                problems.add(label(name) + " is out of range.");
                return null;
            }
            return d;
        } catch (NumberFormatException e) {
            problems.add(label(name) + " must be a number.");
            return null;
        }
    }

    /** A comma- or newline-separated list; null when empty. */
    List<String> list(String name) {
        String v = text(name);
        if (v == null) {
            return null;
        }
        List<String> items = new ArrayList<>();
        for (String item : v.split("[,\\n]")) {
            if (!item.isBlank()) {
                items.add(item.strip());
            }
        }
        return items;
    }

    /** {@code a=1, b=2} (commas or new lines between pairs); null when empty. */
    Map<String, String> pairs(String name) {
        List<String> items = list(name);
        if (items == null) {
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                problems.add(label(name) + " must be name=value pairs, e.g. eastus=60, westus=40.");
                return null;
            }
            map.put(item.substring(0, eq).strip(), item.substring(eq + 1).strip());
        }
        return map;
    }

    /** {@code eastus=60, westus=40}: whole-number weights per name; null when empty. */
    Map<String, Integer> weights(String name) {
        Map<String, String> raw = pairs(name);
        if (raw == null) {
            return null;
        }
        Map<String, Integer> map = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            try {
                map.put(e.getKey(), Integer.valueOf(e.getValue()));
            } catch (NumberFormatException ex) {
                problems.add(label(name) + ": the weight of " + e.getKey() + " must be a whole number.");
                return null;
            }
        }
        return map;
    }

    /** Throws {@link Invalid} when a field could not be read. */
    void check() {
        if (!problems.isEmpty()) {
            throw new Invalid(List.copyOf(problems));
        }
    }

    /** Throws {@link Invalid} listing every rule of the admin API that {@code body} breaks. */
    static <T> T validate(Validator validator, T body) {
        Set<ConstraintViolation<T>> violations = validator.validate(body);
        if (!violations.isEmpty()) {
            throw new Invalid(violations.stream()
                    .map(v -> label(snake(v.getPropertyPath().toString())) + " " + v.getMessage() + ".")
                    .sorted().toList());
        }
        return body;
    }

    /** {@code rateLimit} as the form (and the REST API) name it: {@code rate_limit}. */
    private static String snake(String path) {
        return path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String label(String name) {
        return name.replace('_', ' ');
    }
}
