package io.nexusai.gateway.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider's chunk read without a tree must give exactly what the tree gives: the same JSON to the client (model
 * replaced, usage removed or added as null), the same delivered text, the same usage.
 */
class OpenAiJsonTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final byte[] ALIAS = "\"my-alias\\u00e9\"".getBytes(StandardCharsets.UTF_8);

    static List<String> chunksOf(String resource) throws IOException {
        try (InputStream in = OpenAiJsonTest.class.getResourceAsStream(resource)) {
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("data: {")) {
                    out.add(line.substring(6).trim());
                }
            }
            return out;
        }
    }

    static List<String> samples() throws IOException {
        List<String> all = new ArrayList<>();
        all.addAll(chunksOf("/recorded/openai/chat-stream-include-usage.sse"));
        all.addAll(chunksOf("/recorded/openai/chat-stream-tool-calls.sse"));
        all.addAll(chunksOf("/recorded/azure/chat-stream-content-filter.sse"));
        // spacing, escapes, a nested "model" key, unknown fields, completions, a refusal, numbers and literals at the end
        all.add(" { \"id\" : \"x\" , \"model\" :\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a \\\"quoted\\\" \\u263a\\n\","
                + "\"refusal\":null,\"extra\":{\"model\":\"nested\"}}}],\"usage\":null,\"n\":-1.5e3,\"t\":true } ");
        all.add("{\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[{\"text\":\"legacy\",\"index\":0,\"finish_reason\":null}]}");
        all.add("{\"model\":\"m\",\"choices\":[{\"delta\":{\"refusal\":\"no\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
                + "\"total_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":1}}}");
        all.add("{\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}");
        all.add("{}");
        return all;
    }

    @Test
    void rawChunksEqualTreesForTheClientTheMeterAndTheUsage() throws IOException {
        for (String json : samples()) {
            for (int variant = 0; variant < 3; variant++) {
                OpenAiJson raw = OpenAiJson.scan(MAPPER.getFactory(), json.getBytes(StandardCharsets.UTF_8), ALIAS);
                assertThat(raw).as(json).isNotNull();
                ObjectNode tree = (ObjectNode) MAPPER.readTree(json);
                if (tree.has("model")) {
                    tree.put("model", "my-alias\u00e9");
                }
                OpenAiJson expected = OpenAiJson.of(tree);
                assertThat(raw.has("usage")).isEqualTo(expected.has("usage"));
                assertThat(raw.usageReported()).isEqualTo(expected.usageReported());
                assertThat(raw.usage()).isEqualTo(expected.usage());
                assertThat(raw.noChoices()).as(json).isEqualTo(expected.noChoices());
                assertThat(raw.text("object")).isEqualTo(expected.text("object"));
                if (variant == 1) {
                    raw.remove("usage");
                    expected.remove("usage");
                } else if (variant == 2) {
                    raw.putNull("usage");
                    expected.putNull("usage");
                    raw.putNull("extra_null");
                    expected.putNull("extra_null");
                }
                Buffer out = Buffer.buffer();
                raw.writeTo(out, MAPPER);
                assertThat(MAPPER.readTree(out.getBytes())).as(json + " variant " + variant).isEqualTo(expected.tree(MAPPER));
                StringBuilder rawText = new StringBuilder();
                StringBuilder treeText = new StringBuilder();
                raw.appendText(rawText);
                expected.appendText(treeText);
                assertThat(rawText.toString()).isEqualTo(treeText.toString());
            }
        }
    }

    @Test
    void notAnObjectIsRefused() {
        for (String bad : List.of("[1]", "\"s\"", "{\"a\":", "{\"a\":1} x", "", "nul")) {
            assertThat(OpenAiJson.scan(MAPPER.getFactory(), bad.getBytes(StandardCharsets.UTF_8), ALIAS)).as(bad).isNull();
        }
    }

    @Test
    void cacheAndReasoningDetailsAreReadAlikeFromRawChunksAndTrees() throws IOException {
        String json = "{\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens_details\":{\"audio_tokens\":0,"
                + "\"nested\":{\"cached_tokens\":99},\"cached_tokens\":40},\"prompt_tokens\":50,\"completion_tokens\":20,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":12,\"accepted_prediction_tokens\":0},\"total_tokens\":70}}";
        TokenUsage expected = new TokenUsage(50, 20, 40, 0, 12, false);
        assertThat(OpenAiJson.scan(MAPPER.getFactory(), json.getBytes(StandardCharsets.UTF_8), ALIAS).usage()).isEqualTo(expected);
        assertThat(OpenAiJson.of((ObjectNode) MAPPER.readTree(json)).usage()).isEqualTo(expected);
    }
}
