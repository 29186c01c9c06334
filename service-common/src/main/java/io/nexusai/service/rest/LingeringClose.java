package io.nexusai.service.rest;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * What to do with the rest of a request body after refusing the request early (too large, no room for it): read
 * and discard it — up to a bound, for a while — instead of closing the connection at once. Closing with unread
 * data makes the kernel reset the connection, and a client still sending its body then loses the refusal and sees
 * a broken connection instead of the 413 or 503. Past the bound or the time the connection is closed; a body that
 * ends in time leaves the connection usable for the next request (HTTP/1.1) — for HTTP/2 only the stream ends.
 */
public final class LingeringClose {
    /** At most this much of a refused body is read and discarded. */
    public static final long MAX_DISCARDED = 64L * 1024 * 1024;
    /** At most this long is a refused body waited for. */
    public static final long MAX_WAIT_MS = 5_000;

    private LingeringClose() {
    }

    /** Discards what is left of {@code request}'s body (call after the refusal has been written). */
    public static void discardRest(Vertx vertx, HttpServerRequest request) {
        if (request.isEnded() || request.version() == HttpVersion.HTTP_2) {
            return;
        }
        long[] discarded = {0};
        long timer = vertx.setTimer(MAX_WAIT_MS, id -> close(request));
        try {
            request.handler(piece -> {
                discarded[0] += piece.length();
                if (discarded[0] > MAX_DISCARDED) {
                    vertx.cancelTimer(timer);
                    close(request);
                }
            });
            request.exceptionHandler(failure -> vertx.cancelTimer(timer));
            request.endHandler(v -> vertx.cancelTimer(timer));
            request.resume();
        } catch (IllegalStateException alreadyRead) {
            vertx.cancelTimer(timer);
        }
    }

    private static void close(HttpServerRequest request) {
        if (request.connection() != null) {
            request.connection().close();
        }
    }
}
