package io.nexusai.gateway.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.Recorded;
import io.nexusai.gateway.provider.StreamReplay;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nexusai.gateway.provider.Recorded.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Responses API passed through to a provider that serves it: bodies as they are but for the model, usage read
 * from the Responses usage object, OpenAI-format event streams (built after OpenAI's documented examples, CRLF and LF
 * line ends mixed) replayed cut at every byte.
 */
class OpenAiResponsesPassthroughTranslatorTest {
    static final Deployment OPENAI = Recorded.deployment(ProviderKind.OPENAI, "https://api.openai.com/v1", "gpt-4.1-2025-04-14",
            Map.of("responses_api", "native"));
    static final String ALIAS = "nexus-smart";

    static OpenAiResponsesPassthroughTranslator translator() {
        return new OpenAiResponsesPassthroughTranslator(Recorded.MAPPER, OPENAI, ALIAS);
    }

    @Test
    void theBodyGoesUpAsSentButForTheModelAndThePreviousResponse() {
        String body = """
                {"model":"nexus-smart","input":[{"role":"user","content":"hi"}],"previous_response_id":"resp_1",
                 "tools":[{"type":"web_search"}],"include":["reasoning.encrypted_content"],"stream":true}""";
        ObjectNode client = json(body);
        UpstreamRequest request = translator().request(client, true);
        assertThat(request.url()).isEqualTo("https://api.openai.com/v1/responses");
        ObjectNode expected = json(body);
        expected.put("model", "gpt-4.1-2025-04-14");
        expected.remove("previous_response_id");
        assertThat(json(request.body())).isEqualTo(expected);
        assertThat(client).as("the client's body is untouched").isEqualTo(json(body));
    }

    @Test
    void aWholeResponseGetsTheAliasAndItsUsageIsRead() {
        OpenAiResponsesPassthroughTranslator t = translator();
        Translated out = t.response(Recorded.buffer("openai/responses-response.json"));
        ObjectNode expected = json(Recorded.buffer("openai/responses-response.json"));
        expected.put("model", ALIAS);
        assertThat(out.body()).isEqualTo(expected);
        assertThat(out.usage()).isEqualTo(new TokenUsage(1520, 40, 1280, 0, 24, false));
        assertThat(t.finished()).isEqualTo(expected);
        StringBuilder delivered = new StringBuilder();
        out.json().appendText(delivered);
        assertThat(delivered.toString()).isEqualTo("Grüße aus Köln 👋 — done.");
    }

    @Test
    void aStreamPassesThroughCutAnywhereAndEndsAtResponseCompleted() {
        byte[] sse = Recorded.bytes("openai/responses-stream.sse");
        StreamReplay.Run run = StreamReplay.replay(OpenAiResponsesPassthroughTranslatorTest::translator, sse);
        assertThat(run.done()).isTrue();
        assertThat(run.error()).isNull();
        assertThat(run.usage()).isEqualTo(new TokenUsage(1520, 40, 1280, 0, 24, false));
        assertThat(run.chunks()).hasSize(13);
        for (int i = 0; i < run.chunks().size(); i++) {
            assertThat(run.chunks().get(i).get("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(run.chunks().getFirst().at("/response/model").asText()).isEqualTo(ALIAS);
        assertThat(run.chunks().getLast().at("/response/model").asText()).isEqualTo(ALIAS);
        assertThat(run.chunks().get(4).get("obfuscation").asText()).as("fields the gateway does not know pass").isEqualTo("x1");
    }

    @Test
    void anErrorEventFailsTheStreamAndItsLastEventsContinueTheSequence() {
        OpenAiResponsesPassthroughTranslator t = translator();
        StreamReplay.Run run = StreamReplay.feed(t, Recorded.bytes("openai/responses-stream-error.sse"), new int[0], true);
        assertThat(run.error()).isNotNull();
        assertThat(run.error().code()).isEqualTo("upstream_stream_error");
        assertThat(run.chunks()).hasSize(6);
        List<ObjectNode> last = new ArrayList<>();
        for (OpenAiJson e : t.streamFailed(run.error())) {
            last.add(e.tree(Recorded.MAPPER));
        }
        assertThat(last).extracting(e -> e.get("type").asText()).containsExactly("error", "response.failed");
        assertThat(last).extracting(e -> e.get("sequence_number").asInt()).containsExactly(6, 7);
        assertThat(last.get(1).at("/response/status").asText()).isEqualTo("failed");
        assertThat(last.get(1).at("/response/id").asText()).isEqualTo(run.chunks().getFirst().at("/response/id").asText());
        assertThat(t.finished()).isNull();
    }

    @Test
    void providerErrorsKeepTheirMessage() {
        ApiException e = translator().error(400, Buffer.buffer("{\"error\":{\"message\":\"Invalid 'input'.\",\"type\":"
                + "\"invalid_request_error\",\"param\":\"input\",\"code\":null}}"), null);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("input");
    }
}
