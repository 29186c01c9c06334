package io.nexusai.gateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.provider.OpenAiJson;

/**
 * Every stream is metered: the gateway asks OpenAI-compatible upstreams for
 * {@code stream_options.include_usage}. A client that did not ask for it does not see the extra final usage
 * chunk, nor the {@code "usage": null} that every other chunk then carries; a client that did ask sees exactly
 * OpenAI's shape whatever the provider (every chunk has {@code usage}, null but on the last).
 */
public final class StreamUsagePolicy {
    /**
     * For ingress APIs without {@code stream_options} (Responses, Messages): every event goes to the client as the
     * translator made it (their adapters ask the chat upstream for usage themselves and report it in their own
     * final event).
     */
    public static final StreamUsagePolicy UNTOUCHED = new StreamUsagePolicy(true);
    private final boolean clientAsked;

    private StreamUsagePolicy(boolean clientAsked) {
        this.clientAsked = clientAsked;
    }

    /** Remembers what the client asked and makes the upstream request ask for usage. */
    public static StreamUsagePolicy apply(ObjectNode body) {
        JsonNode options = body.get("stream_options");
        boolean asked = options != null && options.path("include_usage").asBoolean(false);
        ObjectNode upstreamOptions = options instanceof ObjectNode o ? o : body.putObject("stream_options");
        upstreamOptions.put("include_usage", true);
        return new StreamUsagePolicy(asked);
    }

    /** The policy of a streamed request of this endpoint, applied to its body (see {@link #apply}). */
    public static StreamUsagePolicy of(Endpoint endpoint, ObjectNode body) {
        return endpoint.streamUsageOption() ? apply(body) : UNTOUCHED;
    }

    /** Whether this chunk goes to the client (after removing what it did not ask for). */
    public boolean forward(OpenAiJson chunk) {
        if (this == UNTOUCHED) {
            return true;
        }
        if (clientAsked) {
            chunk.putNull("usage");
            return true;
        }
        if (!chunk.has("usage")) {
            return true;
        }
        if (chunk.usageReported() && chunk.noChoices()) {
            return false;
        }
        chunk.remove("usage");
        return true;
    }
}
