package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Per-model ("per deployment") fault rules, managed with {@code POST/GET/DELETE /_mock/faults}: a gateway does not
 * forward test headers upstream, so a test describes the misbehaviour of a model here instead.
 *
 * <p>A rule is {@code {"model", "status", "retry_after", "delay_ms", "hang", "drop_after", "token_delay_ms",
 * "count"}}, every field optional. {@code model} is matched exactly against the request's model (the Azure
 * deployment for Azure paths); absent or {@code "*"} matches every request. {@code count} is how many requests the
 * rule applies to (absent or 0 = until removed). When several rules match, the oldest one applies.
 */
final class FaultRules {
    private static final Set<String> FIELDS = Set.of("model", "status", "retry_after", "delay_ms", "hang",
            "drop_after", "token_delay_ms", "count");

    private final List<Rule> rules = new ArrayList<>();
    private long nextId = 1;

    /**
     * Adds the rule {@code spec} describes.
     *
     * @return the stored rule, as {@link #list()} shows it
     * @throws IllegalArgumentException when {@code spec} is not a valid rule
     */
    synchronized ObjectNode add(JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw new IllegalArgumentException("a fault rule must be a JSON object");
        }
        for (Iterator<String> names = spec.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "', known: " + FIELDS);
            }
        }
        JsonNode model = spec.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw new IllegalArgumentException("'model' must be a string");
        }
        Fault fault = new Fault(
                integer(spec, "status"),
                integer(spec, "retry_after"),
                longValue(spec, "delay_ms"),
                bool(spec, "hang"),
                integer(spec, "drop_after"),
                longValue(spec, "token_delay_ms"));
        Integer count = integer(spec, "count");
        if (count != null && count < 0) {
            throw new IllegalArgumentException("'count' must not be negative");
        }
        Rule rule = new Rule(nextId++, model == null || model.isNull() ? "*" : model.asText(), fault,
                count == null ? 0 : count);
        rules.add(rule);
        return rule.toJson();
    }

    /**
     * The fault of the oldest rule matching {@code model}, or {@link Fault#NONE}; a counted rule is used up by
     * this call and disappears when its count reaches 0.
     */
    synchronized Fault take(String model) {
        for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
            Rule rule = it.next();
            if (rule.matches(model)) {
                if (rule.remaining > 0 && --rule.remaining == 0) {
                    it.remove();
                }
                return rule.fault;
            }
        }
        return Fault.NONE;
    }

    synchronized ArrayNode list() {
        ArrayNode out = Json.array();
        rules.forEach(rule -> out.add(rule.toJson()));
        return out;
    }

    synchronized boolean remove(long id) {
        return rules.removeIf(rule -> rule.id == id);
    }

    synchronized void clear() {
        rules.clear();
    }

    private static Integer integer(JsonNode spec, String name) {
        Long value = longValue(spec, name);
        if (value != null && (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE)) {
            throw new IllegalArgumentException("'" + name + "' is out of range");
        }
        return value == null ? null : value.intValue();
    }

    private static Long longValue(JsonNode spec, String name) {
        JsonNode value = spec.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + name + "' must be an integer");
        }
        return value.asLong();
    }

    private static Boolean bool(JsonNode spec, String name) {
        JsonNode value = spec.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("'" + name + "' must be a boolean");
        }
        return value.asBoolean();
    }

    /** A stored rule; {@code remaining} 0 means unlimited. */
    private static final class Rule {
        final long id;
        final String model;
        final Fault fault;
        int remaining;

        Rule(long id, String model, Fault fault, int remaining) {
            this.id = id;
            this.model = model;
            this.fault = fault;
            this.remaining = remaining;
        }

        boolean matches(String requestModel) {
            return "*".equals(model) || model.equals(requestModel);
        }

        ObjectNode toJson() {
            ObjectNode out = Json.object();
            out.put("id", id);
            out.put("model", model);
            putNumber(out, "status", fault.status());
            putNumber(out, "retry_after", fault.retryAfter());
            putNumber(out, "delay_ms", fault.delayMs());
            out.put("hang", fault.hangs());
            out.put("drop_after", fault.dropAfterChunks());
            putNumber(out, "token_delay_ms", fault.tokenDelayMs());
            out.put("count", remaining);
            return out;
        }

        private static void putNumber(ObjectNode out, String name, Number value) {
            if (value == null) {
                out.putNull(name);
            } else {
                out.put(name, value.longValue());
            }
        }
    }
}
