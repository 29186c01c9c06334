package io.nexusai.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters behind {@code GET /_mock/stats}: API requests in total and per model (or Azure deployment), streams
 * currently open, streams the client abandoned before their end ({@code cancelled_streams}), which lets a
 * test prove that a client disconnect reached the upstream, and content events written so far
 * ({@code content_chunks_sent}), which lets a test see how far the upstream has got while a client reads.
 */
final class MockStats {
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, AtomicLong> byModel = new ConcurrentHashMap<>();
    private final AtomicLong openStreams = new AtomicLong();
    private final AtomicLong cancelledStreams = new AtomicLong();
    private final AtomicLong contentChunksSent = new AtomicLong();

    /** One API request for {@code model} ({@code null} when the request named none). */
    void request(String model) {
        requests.incrementAndGet();
        if (model != null) {
            byModel.computeIfAbsent(model, m -> new AtomicLong()).incrementAndGet();
        }
    }

    /** One content event (a token, a tool-argument piece) was written to a stream. */
    void contentChunkSent() {
        contentChunksSent.incrementAndGet();
    }

    void streamOpened() {
        openStreams.incrementAndGet();
    }

    /** A stream ended, normally or not; {@code cancelled} when its client went away first. */
    void streamClosed(boolean cancelled) {
        openStreams.decrementAndGet();
        if (cancelled) {
            cancelledStreams.incrementAndGet();
        }
    }

    /** Resets the counters; {@code open_streams} is a live gauge and is kept. */
    void reset() {
        requests.set(0);
        byModel.clear();
        cancelledStreams.set(0);
        contentChunksSent.set(0);
    }

    ObjectNode toJson() {
        ObjectNode out = Json.object();
        out.put("requests", requests.get());
        ObjectNode models = out.putObject("by_model");
        new TreeMap<>(byModel).forEach((model, count) -> models.put(model, count.get()));
        out.put("open_streams", openStreams.get());
        out.put("cancelled_streams", cancelledStreams.get());
        out.put("content_chunks_sent", contentChunksSent.get());
        return out;
    }
}
