package io.nexusai.gateway.pipeline.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ClientWire;
import io.nexusai.gateway.provider.OpenAiJson;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The OpenAI API's classic wire (chat completions, completions, embeddings, models): errors in OpenAI's envelope,
 * each stream chunk as an unnamed {@code data: <json>} event, {@code data: [DONE]} after a completed stream, and
 * a failed stream's last event an OpenAI error envelope as {@code data:} (the SDKs raise it as an error).
 */
public final class OpenAiChatWire implements ClientWire {
    public static final OpenAiChatWire INSTANCE = new OpenAiChatWire();

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

    private OpenAiChatWire() {
    }

    @Override
    public Buffer errorBody(ApiException error) {
        return Buffer.buffer(error.toEnvelope().toJson());
    }

    @Override
    public void frame(OpenAiJson event, Buffer out, ObjectMapper mapper) {
        out.appendBytes(DATA);
        event.writeTo(out, mapper);
        out.appendBytes(END);
    }

    @Override
    public Buffer streamEnd() {
        return DONE.slice();
    }

    @Override
    public Buffer streamError(ApiException error) {
        return Buffer.buffer("data: " + error.toEnvelope().toJson() + "\n\n");
    }
}
