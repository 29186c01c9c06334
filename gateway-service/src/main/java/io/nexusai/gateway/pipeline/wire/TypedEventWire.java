package io.nexusai.gateway.pipeline.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.gateway.pipeline.ClientWire;
import io.nexusai.gateway.provider.OpenAiJson;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The framing of APIs whose stream events are named by their {@code type} field (OpenAI Responses, Anthropic
 * Messages): {@code event: <type>\ndata: <json>\n\n}, and nothing after the last event of a completed stream
 * (its last event, e.g. {@code response.completed} or {@code message_stop}, says it is complete). Subclasses give
 * the error envelope and the error event of their API.
 */
public abstract class TypedEventWire implements ClientWire {
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void frame(OpenAiJson event, Buffer out, ObjectMapper mapper) {
        String type = event.text("type");
        if (type != null) {
            out.appendBytes(EVENT).appendString(type, "UTF-8");
            out.appendBytes(DATA);
        } else {
            out.appendBytes(DATA, 1, DATA.length - 1);
        }
        event.writeTo(out, mapper);
        out.appendBytes(END);
    }

    /** An event named {@code type} with this JSON as its data, framed. */
    protected static Buffer event(String type, String json) {
        return Buffer.buffer(type.length() + json.length() + 16).appendBytes(EVENT).appendString(type).appendBytes(DATA)
                .appendString(json).appendBytes(END);
    }

    @Override
    public Buffer streamEnd() {
        return Buffer.buffer();
    }

}
