package io.nexusai.gateway.provider.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.gateway.provider.Translator;

/** A translator of the Responses API: besides translating, it knows the response it produced, for storing it. */
public interface ResponsesTranslator extends Translator {
    /**
     * The finished response ({@code completed} or {@code incomplete}) as the client got it, once the whole answer
     * or the stream's last event was translated; {@code null} before, and for a response that failed.
     */
    ObjectNode finished();
}
