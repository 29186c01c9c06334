package io.nexusai.gateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import jakarta.inject.Singleton;

/**
 * Counts tokens with the o200k_base tokenizer, for usage the provider did not report (streams without usage,
 * streams cut short). Counts follow OpenAI's accounting for chat (3 tokens per message and 3 to prime the
 * reply); they are estimates and are marked as such on usage events.
 */
@Singleton
public class TokenEstimator {

    /** The tokenizer's tables take tens of megabytes: loaded on the first estimate, which most gateways rarely need. */
    private static final class Tokenizer {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    public long count(CharSequence text) {
        return text == null || text.isEmpty() ? 0 : Tokenizer.ENCODING.countTokensOrdinary(text.toString());
    }

    /** Input tokens of a request body of the given OpenAI API. */
    public long prompt(String endpoint, JsonNode body) {
        return switch (endpoint) {
            case "chat.completions" -> chatPrompt(body);
            case "completions" -> inputs(body.get("prompt"));
            case "embeddings" -> inputs(body.get("input"));
            default -> 0;
        };
    }

    private long chatPrompt(JsonNode body) {
        long tokens = 3;
        for (JsonNode m : body.path("messages")) {
            tokens += 3 + count(m.path("role").asText(""));
            tokens += count(textOf(m.get("content")));
            if (m.hasNonNull("name")) {
                tokens += 1 + count(m.get("name").asText());
            }
            for (JsonNode call : m.path("tool_calls")) {
                tokens += count(call.path("function").path("name").asText("")) + count(call.path("function").path("arguments").asText(""));
            }
        }
        for (JsonNode tool : body.path("tools")) {
            tokens += count(tool.toString());
        }
        return tokens;
    }

    private long inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            return 0;
        }
        if (input.isTextual()) {
            return count(input.asText());
        }
        long tokens = 0;
        for (JsonNode item : input) {
            if (item.isTextual()) {
                tokens += count(item.asText());
            } else if (item.isNumber()) {
                tokens += 1;
            } else if (item.isArray()) {
                tokens += item.size();
            }
        }
        return tokens;
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
            if (part.hasNonNull("text")) {
                sb.append(part.get("text").asText());
            }
        }
        return sb.toString();
    }
}
