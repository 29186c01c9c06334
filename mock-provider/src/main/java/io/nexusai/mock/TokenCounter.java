package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * Counts tokens the way OpenAI bills chat requests (o200k_base; 3 tokens per message, 1 per name, 3 to prime
 * the reply), so the mock's usage numbers are the ones a real vendor would report for the same text.
 */
public final class TokenCounter {
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private TokenCounter() {
    }

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
        }
        return tokens;
    }

    /** The first {@code maxTokens} tokens of {@code text}. */
    public static String truncate(String text, int maxTokens) {
        IntArrayList tokens = ENCODING.encodeOrdinary(text);
        if (tokens.size() <= maxTokens) {
            return text;
        }
        IntArrayList head = new IntArrayList(maxTokens);
        for (int i = 0; i < maxTokens; i++) {
            head.add(tokens.get(i));
        }
        return ENCODING.decode(head);
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
}
