package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;

import java.util.List;

/**
 * What a translator made of a piece of a streamed provider response.
 *
 * @param chunks OpenAI stream chunks completed by this piece, in order ({@code model} already the alias); the
 *               gateway frames each as one {@code data:} event
 * @param usage  the usage the provider has reported so far, or {@code null}
 * @param done   the provider signalled the regular end of the stream
 * @param error  the provider reported an error inside the stream, or {@code null}
 */
public record StreamOutput(List<OpenAiJson> chunks, TokenUsage usage, boolean done, ApiException error) {
    public static final StreamOutput EMPTY = new StreamOutput(List.of(), null, false, null);

    /** An output of chunks built as trees. */
    public static StreamOutput trees(List<ObjectNode> chunks, TokenUsage usage, boolean done, ApiException error) {
        List<OpenAiJson> out = new java.util.ArrayList<>(chunks.size());
        for (ObjectNode chunk : chunks) {
            out.add(OpenAiJson.of(chunk));
        }
        return new StreamOutput(out, usage, done, error);
    }
}
