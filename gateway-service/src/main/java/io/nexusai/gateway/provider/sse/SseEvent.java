package io.nexusai.gateway.provider.sse;

/**
 * One Server-Sent Event.
 *
 * @param event the {@code event:} field, or {@code null} when absent
 * @param bytes the {@code data:} lines joined with {@code \n} (empty when absent), UTF-8 as they came
 */
public record SseEvent(String event, byte[] bytes) {
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    public SseEvent(String event, String data) {
        this(event, data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The data as text. */
    public String data() {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    public boolean empty() {
        return bytes.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SseEvent other && java.util.Objects.equals(event, other.event) && java.util.Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(event) * 31 + java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SseEvent[event=" + event + ", data=" + data() + "]";
    }

    /** Whether the data is OpenAI's end marker {@code [DONE]}. */
    public boolean done() {
        return java.util.Arrays.equals(bytes, DONE);
    }
}
