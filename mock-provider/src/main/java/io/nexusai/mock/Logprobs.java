package io.nexusai.mock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * OpenAI's {@code logprobs} of a choice: per output token its text, a log probability, its UTF-8 bytes and the
 * {@code top_logprobs} most likely tokens at that position, the chosen one first. The numbers are deterministic
 * (derived from the token and its position), so a stream and a non-stream answer to the same request agree.
 * Tokens are the stream's pieces ({@link TokenCounter#pieces}), so each content chunk carries exactly its tokens.
 */
final class Logprobs {
    /** The alternatives listed after the chosen token, most likely first. */
    private static final List<String> ALTERNATIVES = List.of(" the", " a", ".", ",", " and", " to", " of", " in",
            " is", " it", "\n", " I", " that", " you", " for", " on", " with", " this", " be", " as", " not");

    private Logprobs() {
    }

    /** {@code {"content":[...],"refusal":null}} for {@code tokens} starting at output position {@code first}. */
    static ObjectNode of(List<String> tokens, int first, int top) {
        ObjectNode logprobs = Json.object();
        ArrayNode content = logprobs.putArray("content");
        for (int i = 0; i < tokens.size(); i++) {
            content.add(entry(tokens.get(i), first + i, top));
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    /** The entry of {@code token} at output position {@code position}, with {@code top} alternatives. */
    static ObjectNode entry(String token, int position, int top) {
        double chosen = logprob(token, position);
        ObjectNode entry = tokenNode(token, chosen);
        ArrayNode alternatives = entry.putArray("top_logprobs");
        if (top > 0) {
            alternatives.add(tokenNode(token, chosen));
        }
        double next = chosen;
        for (int i = 0; alternatives.size() < top && i < ALTERNATIVES.size(); i++) {
            if (!ALTERNATIVES.get(i).equals(token)) {
                next = next - 0.5 - 0.25 * alternatives.size();
                alternatives.add(tokenNode(ALTERNATIVES.get(i), round(next)));
            }
        }
        return entry;
    }

    /** A likely token's log probability: in {@code (-0.1, 0]}, from a hash of the token and its position. */
    static double logprob(String token, int position) {
        int hash = (token.hashCode() * 31 + position) & 0x7fffffff;
        return round(-(hash % 1000) / 10_000.0) + 0.0;
    }

    private static ObjectNode tokenNode(String token, double logprob) {
        ObjectNode node = Json.object();
        node.put("token", token);
        node.put("logprob", logprob);
        ArrayNode bytes = node.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return node;
    }

    private static double round(double value) {
        return Math.round(value * 1_000_000) / 1_000_000.0;
    }
}
