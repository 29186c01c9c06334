package io.nexusai.gateway.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feeds a recorded stream to fresh translators cut at many byte boundaries — every single position, every byte
 * on its own, and random multi-cuts (with empty pieces) from a fixed seed — and checks that every run emits
 * exactly what the uncut run emits. Cuts land inside lines, inside CRLF pairs and inside multi-byte UTF-8
 * characters.
 */
public final class StreamReplay {
    private static final long SEED = 0x5EED_2024L;
    /** Reads chunks the way the client gets them: as the bytes the gateway writes. */
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int RANDOM_PLANS = 300;
    private static final int EVERY_POSITION_LIMIT = 16 * 1024;

    private StreamReplay() {
    }

    /**
     * What a whole stream produced.
     *
     * @param chunks  the emitted chunks in order
     * @param json    the same as JSON text, {@code created} set to 0 (it is the translation time for some providers)
     * @param usage   the last usage reported
     * @param done    whether any output signalled the regular end
     * @param error   the first error reported (feeding stops there, as the gateway does)
     */
    public record Run(List<ObjectNode> chunks, List<String> json, TokenUsage usage, boolean done, ApiException error) {
        String errorText() {
            return error == null ? null : error.status() + " " + error.code() + " " + error.getMessage();
        }
    }

    /** One run with the given cut positions (sorted, duplicates mean empty pieces). */
    public static Run feed(Translator translator, byte[] bytes, int[] cuts, boolean emptyFinalPiece) {
        return feed(translator, bytes, cuts, emptyFinalPiece, UnaryOperator.identity());
    }

    /** The same, each chunk's JSON text passed through {@code normalise} (e.g. to blank generated ids). */
    public static Run feed(Translator translator, byte[] bytes, int[] cuts, boolean emptyFinalPiece, UnaryOperator<String> normalise) {
        List<ObjectNode> chunks = new ArrayList<>();
        TokenUsage usage = null;
        boolean done = false;
        ApiException error = null;
        int start = 0;
        for (int i = 0; i <= cuts.length && error == null; i++) {
            int end = i < cuts.length ? cuts[i] : bytes.length;
            boolean last = i == cuts.length;
            StreamOutput out = translator.stream(Buffer.buffer(Arrays.copyOfRange(bytes, start, end)), last && !emptyFinalPiece);
            out.chunks().forEach(c -> chunks.add(c.tree(MAPPER)));
            usage = out.usage() != null ? out.usage() : usage;
            done |= out.done();
            error = out.error();
            start = end;
        }
        if (emptyFinalPiece && error == null) {
            StreamOutput out = translator.stream(Buffer.buffer(), true);
            out.chunks().forEach(c -> chunks.add(c.tree(MAPPER)));
            usage = out.usage() != null ? out.usage() : usage;
            done |= out.done();
            error = out.error();
        }
        List<String> json = new ArrayList<>(chunks.size());
        for (ObjectNode chunk : chunks) {
            ObjectNode copy = chunk.deepCopy();
            if (copy.has("created")) {
                copy.put("created", 0);
            }
            try {
                json.add(normalise.apply(Recorded.MAPPER.writeValueAsString(copy)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Run(chunks, json, usage, done, error);
    }

    /**
     * Replays {@code bytes} uncut and then cut every way described above, asserting identical results; returns
     * the uncut run for the caller's content assertions.
     */
    public static Run replay(Supplier<Translator> translators, byte[] bytes) {
        return replay(translators, bytes, UnaryOperator.identity());
    }

    /**
     * The same, comparing the chunks' JSON after {@code normalise} (for translators that generate ids or
     * timestamps of their own).
     */
    public static Run replay(Supplier<Translator> translators, byte[] bytes, UnaryOperator<String> normalise) {
        Run whole = feed(translators.get(), bytes, new int[0], true, normalise);
        assertSame(whole, feed(translators.get(), bytes, new int[0], false, normalise), "uncut, end flag on the data");
        int n = bytes.length;
        if (n <= EVERY_POSITION_LIMIT) {
            for (int p = 0; p <= n; p++) {
                int[] cut = {p};
                assertSame(whole, feed(translators.get(), bytes, cut, p % 2 == 0, normalise), "cut at " + p);
            }
        }
        int[] everyByte = new int[Math.max(0, n - 1)];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertSame(whole, feed(translators.get(), bytes, everyByte, true, normalise), "1-byte pieces");
        assertSame(whole, feed(translators.get(), bytes, everyByte, false, normalise), "1-byte pieces, end flag on the last");
        Random random = new Random(SEED);
        for (int plan = 0; plan < RANDOM_PLANS; plan++) {
            int[] cuts = new int[1 + random.nextInt(24)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = random.nextInt(n + 1);
            }
            Arrays.sort(cuts);
            assertSame(whole, feed(translators.get(), bytes, cuts, random.nextBoolean(), normalise), "cuts " + Arrays.toString(cuts));
        }
        return whole;
    }

    private static void assertSame(Run expected, Run actual, String how) {
        assertThat(actual.json()).as("chunks, %s", how).isEqualTo(expected.json());
        assertThat(actual.usage()).as("usage, %s", how).isEqualTo(expected.usage());
        assertThat(actual.done()).as("done, %s", how).isEqualTo(expected.done());
        assertThat(actual.errorText()).as("error, %s", how).isEqualTo(expected.errorText());
    }

    /** The chat {@code delta.content} of all chunks, concatenated. */
    public static String content(List<ObjectNode> chunks) {
        StringBuilder text = new StringBuilder();
        for (ObjectNode chunk : chunks) {
            JsonNode content = chunk.at("/choices/0/delta/content");
            if (content.isTextual()) {
                text.append(content.asText());
            }
        }
        return text.toString();
    }

    /** The chat tool call arguments of all chunks, concatenated per tool call index. */
    public static Map<Integer, String> toolArguments(List<ObjectNode> chunks) {
        Map<Integer, String> arguments = new HashMap<>();
        for (ObjectNode chunk : chunks) {
            for (JsonNode call : chunk.at("/choices/0/delta/tool_calls")) {
                arguments.merge(call.path("index").asInt(), call.at("/function/arguments").asText(""), String::concat);
            }
        }
        return arguments;
    }
}
