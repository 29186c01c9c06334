package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts and splits tokens with the o200k_base tokenizer, so the mock's usage numbers and stream chunks are the
 * ones a real vendor would produce for the same text.
 *
 * <p>Chat prompts are counted the way OpenAI bills them: 3 tokens to prime the reply, and per message 3 tokens
 * plus its role, its content text, 1 + its name when present, and the function name + arguments of each of its
 * {@code tool_calls}.
 */
public final class TokenCounter {
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private TokenCounter() {
    }

    /** Number of o200k_base tokens of {@code text} (special tokens are counted as ordinary text). */
    public static int count(String text) {
        return text == null || text.isEmpty() ? 0 : ENCODING.countTokensOrdinary(text);
    }

    /** Prompt tokens of a chat {@code messages} array. */
    public static int countMessages(JsonNode messages) {
        int tokens = 3;
        for (JsonNode message : messages) {
            tokens += 3;
            tokens += count(message.path("role").asText(""));
            tokens += count(textOf(message.get("content")));
            if (message.hasNonNull("name")) {
                tokens += 1 + count(message.get("name").asText());
            }
            for (JsonNode call : message.path("tool_calls")) {
                tokens += count(call.path("function").path("name").asText(""));
                tokens += count(call.path("function").path("arguments").asText(""));
            }
        }
        return tokens;
    }

    /**
     * The first {@code maxTokens} tokens of {@code text}. A character whose bytes would be split by the cut is
     * left out whole, so the result is always well-formed text.
     */
    public static String truncate(String text, int maxTokens) {
        return String.join("", pieces(text, maxTokens));
    }

    /**
     * {@code text} split the way a model streams it: one piece per token, except that consecutive tokens are
     * merged when a single token would end inside a multi-byte character. The pieces concatenate to {@code text}.
     */
    public static List<String> pieces(String text) {
        return pieces(text, Integer.MAX_VALUE);
    }

    /**
     * The pieces (see {@link #pieces(String)}) of the first {@code maxTokens} tokens of {@code text}; trailing
     * bytes that do not complete a character are dropped.
     */
    public static List<String> pieces(String text, int maxTokens) {
        List<String> pieces = new ArrayList<>();
        if (text == null || text.isEmpty() || maxTokens <= 0) {
            return pieces;
        }
        IntArrayList tokens = ENCODING.encodeOrdinary(text);
        IntArrayList pending = new IntArrayList();
        int limit = Math.min(maxTokens, tokens.size());
        for (int i = 0; i < limit; i++) {
            pending.add(tokens.get(i));
            String piece = decodeStrict(ENCODING.decodeBytes(pending));
            if (piece != null) {
                pieces.add(piece);
                pending.clear();
            }
        }
        return pieces;
    }

    /**
     * The UTF-8 bytes the token ids stand for.
     *
     * @throws IllegalArgumentException when an id is not an o200k_base token
     */
    static byte[] decodeBytes(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        try {
            return ENCODING.decodeBytes(list);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid token id", e);
        }
    }

    /** The text of a message's content: a string, or the text parts of a content-part array. */
    public static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                sb.append(part.path("text").asText());
            }
        }
        return sb.toString();
    }

    /** {@code bytes} as text when they are complete, well-formed UTF-8, else {@code null}. */
    private static String decodeStrict(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
