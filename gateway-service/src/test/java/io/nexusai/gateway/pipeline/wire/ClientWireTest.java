package io.nexusai.gateway.pipeline.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.provider.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ClientWireTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void chatFramesDataEventsAndEndsWithDone() {
        ObjectNode chunk = mapper.createObjectNode().put("object", "chat.completion.chunk");
        Buffer out = Buffer.buffer();
        OpenAiChatWire.INSTANCE.frame(OpenAiJson.of(chunk), out, mapper);
        assertEquals("data: {\"object\":\"chat.completion.chunk\"}\n\n", out.toString());
        assertEquals("data: [DONE]\n\n", OpenAiChatWire.INSTANCE.streamEnd().toString());
        ApiException e = ApiException.badRequest("bad", "input");
        assertEquals("data: " + e.toEnvelope().toJson() + "\n\n", OpenAiChatWire.INSTANCE.streamError(e).toString());
        assertEquals(e.toEnvelope().toJson(), OpenAiChatWire.INSTANCE.errorBody(e).toString());
    }

    @Test
    void responsesFramesNamedEventsAndEndsWithNothing() throws Exception {
        ObjectNode event = mapper.createObjectNode().put("type", "response.output_text.delta").put("delta", "hé");
        Buffer out = Buffer.buffer();
        ResponsesWire.INSTANCE.frame(OpenAiJson.event(event, "hé"), out, mapper);
        assertEquals("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hé\"}\n\n",
                out.toString());
        assertEquals(0, ResponsesWire.INSTANCE.streamEnd().length());
        String error = ResponsesWire.INSTANCE.streamError(new ApiException(502, "upstream_error", "gone \"away\"", null,
                "upstream_stream_error", java.util.List.of(), null)).toString();
        assertEquals("event: error\n", error.substring(0, error.indexOf('\n') + 1));
        var data = mapper.readTree(error.substring(error.indexOf("data: ") + 6).trim());
        assertEquals("error", data.get("type").asText());
        assertEquals("upstream_stream_error", data.get("code").asText());
        assertEquals("gone \"away\"", data.get("message").asText());
        assertEquals(true, data.get("param").isNull());
        assertEquals(0, data.get("sequence_number").asInt());
    }
}
