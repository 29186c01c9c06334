package io.nexusai.service.events;

/**
 * Fired (as a CDI event) when config-change events may have been missed: after the subscription to Redis was
 * (re)established. Listeners do a full refresh.
 */
public record ConfigResync(String reason) {
}
