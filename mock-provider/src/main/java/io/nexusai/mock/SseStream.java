package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Writes one Server-Sent Events answer the way a model produces it: content events paced by an inter-token delay,
 * the response's write queue respected (back-pressure), writing stopped as soon as the client goes away (counted
 * in {@code cancelled_streams}), and optionally the connection cut after some content events to simulate a vendor
 * dying mid-stream (nothing more is written; the TCP connection is closed {@value #DROP_GRACE_MS} ms later, without
 * the stream's terminating chunk).
 */
final class SseStream {
    /**
     * Pause between the last content event of a {@code drop-after} stream and the connection's close, so that the
     * client has read what was sent before it sees the connection die, as with a vendor dying mid-stream.
     */
    static final long DROP_GRACE_MS = 50;

    /**
     * One event on the wire.
     *
     * @param frame   the exact bytes written: text terminated by the blank line, or one binary event-stream message
     * @param content whether it carries generated content (a token piece); only those are paced and counted
     *                for {@code drop-after}
     */
    record Event(Buffer frame, boolean content) {
        Event(String frame, boolean content) {
            this(Buffer.buffer(frame), content);
        }

        /** The stream terminator of OpenAI's format. */
        static final Event DONE = new Event("data: [DONE]\n\n", false);

        /** {@code data: <json>}, OpenAI's format. */
        static Event data(JsonNode json, boolean content) {
            return new Event("data: " + Json.write(json) + "\n\n", content);
        }

        /** {@code event: <type>} then {@code data: <json>}, Anthropic's format. */
        static Event named(String type, JsonNode json, boolean content) {
            return new Event("event: " + type + "\ndata: " + Json.write(json) + "\n\n", content);
        }
    }

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final HttpConnection connection;
    private final MockStats stats;
    private final long tokenDelayMs;
    private final int dropAfter;

    private List<Event> events;
    private int next;
    private int contentSent;
    private boolean paced;
    private long timerId = -1;
    private boolean finished;

    /**
     * @param tokenDelayMs delay before each content event (0 = none)
     * @param dropAfter    close the connection right after this many content events (0 = never)
     */
    SseStream(Vertx vertx, HttpServerResponse response, HttpConnection connection, MockStats stats,
              long tokenDelayMs, int dropAfter) {
        this.vertx = vertx;
        this.response = response;
        this.connection = connection;
        this.stats = stats;
        this.tokenDelayMs = tokenDelayMs;
        this.dropAfter = dropAfter;
    }

    /** Sends {@code events} with status 200 and {@code Content-Type: text/event-stream}; must run on the event loop. */
    void send(List<Event> events) {
        send(events, "text/event-stream");
    }

    /** Sends {@code events} with status 200 and this content type; must run on the event loop. */
    void send(List<Event> events, String contentType) {
        if (response.closed() || response.ended()) {
            return;
        }
        this.events = events;
        stats.streamOpened();
        response.closeHandler(v -> finish(true));
        response.exceptionHandler(e -> finish(true));
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", contentType)
                .putHeader("Cache-Control", "no-cache");
        pump();
    }

    private void pump() {
        while (!finished && next < events.size()) {
            Event event = events.get(next);
            if (event.content() && tokenDelayMs > 0 && !paced) {
                paced = true;
                timerId = vertx.setTimer(tokenDelayMs, id -> {
                    timerId = -1;
                    pump();
                });
                return;
            }
            if (response.writeQueueFull()) {
                response.drainHandler(v -> pump());
                return;
            }
            Future<Void> written = response.write(event.frame());
            next++;
            paced = false;
            if (event.content()) {
                stats.contentChunkSent();
            }
            if (event.content() && ++contentSent == dropAfter) {
                finish(false);
                written.onComplete(ar -> vertx.setTimer(DROP_GRACE_MS, id -> connection.close()));
                return;
            }
        }
        if (!finished) {
            finish(false);
            response.end();
        }
    }

    private void finish(boolean cancelled) {
        if (finished) {
            return;
        }
        finished = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
        stats.streamClosed(cancelled);
    }
}
