package io.nexusai.gateway.provider.sse;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    /** The data lines of the event being read, joined with LF; {@code dataLength < 0}: no data line yet. */
    private byte[] data = new byte[256];
    private int dataLength = -1;

    /** Decodes another piece of the stream; returns the events it completed (often none or one). */
    public List<SseEvent> feed(Buffer piece) {
        byte[] bytes = piece.getBytes();
        List<SseEvent> out = null;
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
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                line(bytes, lineStart, i, out);
                lineStart = i + 1;
                skipLeadingLf = b == '\r';
            }
        }
        append(bytes, lineStart, bytes.length);
        return out == null ? List.of() : out;
    }

    /** {@link #feed}, and at the end of the stream ({@code endOfStream}) {@link #finish} too. */
    public List<SseEvent> feed(Buffer piece, boolean endOfStream) {
        List<SseEvent> events = feed(piece);
        if (!endOfStream) {
            return events;
        }
        List<SseEvent> all = new ArrayList<>(events);
        all.addAll(finish());
        return all;
    }

    /** At the end of the stream: an event left without its terminating blank line is dispatched too. */
    public List<SseEvent> finish() {
        List<SseEvent> out = new ArrayList<>(1);
        if (pendingLength > 0) {
            line(new byte[0], 0, 0, out);
        }
        if (dataLength >= 0) {
            out.add(new SseEvent(event, Arrays.copyOf(data, dataLength)));
            event = null;
            dataLength = -1;
        }
        return out;
    }

    private void line(byte[] bytes, int from, int to, List<SseEvent> out) {
        byte[] line = bytes;
        if (pendingLength > 0) {
            append(bytes, from, to);
            line = pending;
            from = 0;
            to = pendingLength;
            pendingLength = 0;
        }
        if (from == to) {
            if (dataLength >= 0 || event != null) {
                out.add(new SseEvent(event, dataLength < 0 ? new byte[0] : Arrays.copyOf(data, dataLength)));
            }
            event = null;
            dataLength = -1;
            return;
        }
        if (line[from] == ':') {
            return;
        }
        int colon = from;
        while (colon < to && line[colon] != ':') {
            colon++;
        }
        int value = colon >= to ? to : colon + 1 < to && line[colon + 1] == ' ' ? colon + 2 : colon + 1;
        if (is(line, from, colon, DATA)) {
            if (dataLength < 0) {
                dataLength = 0;
            } else {
                addData(new byte[]{'\n'}, 0, 1);
            }
            addData(line, value, to);
        } else if (is(line, from, colon, EVENT)) {
            event = new String(line, value, to - value, StandardCharsets.UTF_8);
        }
        // id, retry and unknown fields are not used by LLM APIs
    }

    private static final byte[] DATA = {'d', 'a', 't', 'a'};
    private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

    private static boolean is(byte[] line, int from, int to, byte[] name) {
        return to - from == name.length && Arrays.equals(line, from, to, name, 0, name.length);
    }

    private void addData(byte[] bytes, int from, int to) {
        int n = to - from;
        if (dataLength + n > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + n));
        }
        System.arraycopy(bytes, from, data, dataLength, n);
        dataLength += n;
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
