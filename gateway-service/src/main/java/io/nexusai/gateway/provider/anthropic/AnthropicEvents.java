package io.nexusai.gateway.provider.anthropic;

import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.sse.SseDecoder;
import io.nexusai.gateway.provider.sse.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Reads one Anthropic Messages event stream incrementally, for whatever each event becomes (OpenAI chunks, the
 * Messages events relayed as they are): each piece, cut at any byte, is decoded, and every complete, non-empty event
 * up to the end of the message ({@link #done()}) goes to {@link #event}; an event that reports a failure stops the
 * stream for good. One instance per stream; not thread-safe.
 */
abstract class AnthropicEvents {
    private final SseDecoder sse = new SseDecoder();
    private boolean done;
    private boolean failed;

    /** Decodes another piece (cut at any byte) and hands over the events it completes. */
    final StreamOutput feed(Buffer piece, boolean endOfStream) {
        if (failed) {
            return StreamOutput.EMPTY;
        }
        List<SseEvent> events = sse.feed(piece, endOfStream);
        if (events.isEmpty()) {
            return done ? new StreamOutput(List.of(), null, true, null) : StreamOutput.EMPTY;
        }
        begin(events.size());
        for (SseEvent event : events) {
            if (done) {
                break;
            }
            if (event.empty()) {
                continue;
            }
            ApiException error = event(event);
            if (error != null) {
                failed = true;
                return output(false, error);
            }
        }
        return output(done, null);
    }

    /** The message ended regularly ({@code message_stop}): what follows is not read. */
    final void done() {
        done = true;
    }

    /** Before the events of one piece ({@code events} of them at most). */
    abstract void begin(int events);

    /** One event; the failure it reports or stands for (not an event of the API), else {@code null}. */
    abstract ApiException event(SseEvent event);

    /** What the events of this piece made, the stream's regular end or a failure with them. */
    abstract StreamOutput output(boolean done, ApiException error);
}
