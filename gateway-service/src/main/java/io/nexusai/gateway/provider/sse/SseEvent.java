package io.nexusai.gateway.provider.sse;

/**
 * One Server-Sent Event.
 *
 * @param event the {@code event:} field, or {@code null} when absent
 * @param data  the {@code data:} lines joined with {@code \n} (empty when absent)
 */
public record SseEvent(String event, String data) {
}
