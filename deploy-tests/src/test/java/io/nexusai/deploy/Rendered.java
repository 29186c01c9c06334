package io.nexusai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The objects {@code helm template} rendered for one values file, with look-ups the tests share. */
record Rendered(String valuesFile, List<ObjectNode> objects) {

    static final String COMPONENT = "app.kubernetes.io/component";

    List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    /** Objects of a kind that belong to a component (by their app.kubernetes.io/component label). */
    List<ObjectNode> ofKind(String kind, String component) {
        return ofKind(kind).stream().filter(o -> component.equals(label(o, COMPONENT))).toList();
    }

    Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
    }

    ObjectNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(
                "no " + kind + " " + name + " in " + valuesFile + "; rendered: " + summary()));
    }

    /** The one object of a kind that belongs to a component. */
    ObjectNode one(String kind, String component) {
        List<ObjectNode> found = ofKind(kind, component);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " " + kind + " of " + component + " in " + valuesFile);
        }
        return found.getFirst();
    }

    ObjectNode deployment(String component) {
        return one("Deployment", component);
    }

    /** The (only) container of a component's pods. */
    JsonNode container(String component) {
        JsonNode containers = deployment(component).at("/spec/template/spec/containers");
        if (containers.size() != 1) {
            throw new AssertionError(component + " has " + containers.size() + " containers");
        }
        return containers.get(0);
    }

    /** A container's env entries by name (the last one wins, as in Kubernetes). */
    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container.path("env").forEach(entry -> env.put(entry.path("name").asText(), entry));
        return env;
    }

    /** The pod spec of every Deployment. */
    List<JsonNode> podSpecs() {
        List<JsonNode> specs = new ArrayList<>();
        ofKind("Deployment").forEach(d -> specs.add(d.at("/spec/template/spec")));
        return specs;
    }

    /** Kind → number of objects, e.g. {Deployment=5, Service=5}. */
    Map<String, Integer> kindCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        objects.forEach(o -> counts.merge(o.path("kind").asText(), 1, Integer::sum));
        return counts;
    }

    String summary() {
        StringBuilder text = new StringBuilder();
        objects.forEach(o -> text.append(o.path("kind").asText()).append('/').append(name(o)).append(' '));
        return text.toString().trim();
    }

    static String name(JsonNode object) {
        return object.at("/metadata/name").asText();
    }

    static String label(JsonNode object, String label) {
        return object.at("/metadata/labels").path(label).asText(null);
    }
}
