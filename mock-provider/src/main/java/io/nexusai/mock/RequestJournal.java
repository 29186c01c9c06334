package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The last requests the mock received — method, path, query string, headers (lower-cased names) and body as they
 * arrived — so tests can assert what the gateway really sent upstream ({@code GET /_mock/requests},
 * {@code DELETE /_mock/requests}).
 */
final class RequestJournal {
    private static final int CAPACITY = 500;
    private final Deque<ObjectNode> entries = new ArrayDeque<>();

    /**
     * @param query the raw query string, or {@code null} when the URI has none
     * @param body  the parsed JSON body, or the raw text when it was not JSON
     */
    synchronized void record(String method, String path, String query, MultiMap headers, JsonNode body) {
        ObjectNode entry = Json.object();
        entry.put("method", method);
        entry.put("path", path);
        entry.put("query", query);
        ObjectNode h = entry.putObject("headers");
        for (Map.Entry<String, String> header : headers) {
            h.put(header.getKey().toLowerCase(), header.getValue());
        }
        entry.set("body", body);
        entries.addLast(entry);
        while (entries.size() > CAPACITY) {
            entries.removeFirst();
        }
    }

    synchronized ArrayNode snapshot() {
        ArrayNode out = Json.array();
        entries.forEach(out::add);
        return out;
    }

    synchronized void clear() {
        entries.clear();
    }
}
