package io.nexusai.gateway.provider.sse;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental Server-Sent Events decoder (WHATWG event-stream format): feed it the bytes of a response as they
 * arrive, cut anywhere, and it returns the events completed so far. Only the unfinished tail is kept between
 * calls; nothing is ever re-parsed. Lines end with LF, CRLF or CR; comment lines ({@code :...}) are skipped;
 * {@code id} and {@code retry} are ignored. One instance per stream; not thread-safe.
 */
public final class SseDecoder {
    private byte[] pending = new byte[0];
    private int pendingLength;
    private boolean skipLeadingLf;
    private String event;
    private StringBuilder data;

    /** Decodes another piece of the stream; returns the events it completed (often none or one). */
    public List<SseEvent> feed(Buffer piece) {
        byte[] bytes = piece.getBytes();
        List<SseEvent> out = new ArrayList<>(2);
        int lineStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (skipLeadingLf) {
                skipLeadingLf = false;
                if (b == '\n') {
                    lineStart = i + 1;
                    continue;
                }
            }
            if (b == '\n' || b == '\r') {
                line(bytes, lineStart, i, out);
                lineStart = i + 1;
                skipLeadingLf = b == '\r';
            }
        }
        append(bytes, lineStart, bytes.length);
        return out;
    }

    /** At the end of the stream: an event left without its terminating blank line is dispatched too. */
    public List<SseEvent> finish() {
        List<SseEvent> out = new ArrayList<>(1);
        if (pendingLength > 0) {
            line(new byte[0], 0, 0, out);
        }
        if (data != null) {
            out.add(new SseEvent(event, data.toString()));
            event = null;
            data = null;
        }
        return out;
    }

    private void line(byte[] bytes, int from, int to, List<SseEvent> out) {
        String line;
        if (pendingLength > 0) {
            append(bytes, from, to);
            line = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
            pendingLength = 0;
        } else {
            line = new String(bytes, from, to - from, StandardCharsets.UTF_8);
        }
        if (line.isEmpty()) {
            if (data != null || event != null) {
                out.add(new SseEvent(event, data == null ? "" : data.toString()));
            }
            event = null;
            data = null;
            return;
        }
        if (line.charAt(0) == ':') {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + (colon + 1 < line.length() && line.charAt(colon + 1) == ' ' ? 2 : 1));
        switch (field) {
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value.length());
                } else {
                    data.append('\n');
                }
                data.append(value);
            }
            case "event" -> event = value;
            default -> {
                // id, retry and unknown fields are not used by LLM APIs
            }
        }
    }

    private void append(byte[] bytes, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        if (pendingLength + n > pending.length) {
            byte[] grown = new byte[Math.max(pending.length * 2, pendingLength + n)];
            System.arraycopy(pending, 0, grown, 0, pendingLength);
            pending = grown;
        }
        System.arraycopy(bytes, from, pending, pendingLength, n);
        pendingLength += n;
    }
}
