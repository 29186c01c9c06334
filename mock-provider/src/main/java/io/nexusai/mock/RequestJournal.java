package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The last requests the mock received, headers and body as they arrived, so tests can assert what the gateway
 * really sent upstream ({@code GET /_mock/requests}, {@code DELETE /_mock/requests}).
 */
final class RequestJournal {
    private static final int CAPACITY = 500;
    private final Deque<ObjectNode> entries = new ArrayDeque<>();
    private final ObjectMapper mapper;

    RequestJournal(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    synchronized void record(String method, String path, MultiMap headers, JsonNode body) {
        ObjectNode entry = mapper.createObjectNode();
        entry.put("method", method);
        entry.put("path", path);
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
        ArrayNode out = mapper.createArrayNode();
        entries.forEach(out::add);
        return out;
    }

    synchronized void clear() {
        entries.clear();
    }
}
