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
            case "responses" -> responsesPrompt(body);
            // an ingress without its own count: every string of the body but the model name, 3 tokens per object
            default -> strings(body, true);
        };
    }

    /** A Responses request: instructions, the input (a string or items) and the tools, chat's accounting per item. */
    private long responsesPrompt(JsonNode body) {
        long tokens = 3 + count(body.path("instructions").asText(""));
        JsonNode input = body.get("input");
        if (input != null && input.isTextual()) {
            return tokens + 3 + count(input.asText()) + tools(body);
        }
        if (input != null) {
            for (JsonNode item : input) {
                tokens += 3 + strings(item, false);
            }
        }
        return tokens + tools(body);
    }

    private long tools(JsonNode body) {
        long tokens = 0;
        for (JsonNode tool : body.path("tools")) {
            tokens += count(tool.toString());
        }
        return tokens;
    }

    /** The tokens of every string value in the tree (not field names), the {@code model} at the top left out. */
    private long strings(JsonNode node, boolean top) {
        if (node == null) {
            return 0;
        }
        if (node.isTextual()) {
            return count(node.asText());
        }
        long tokens = 0;
        if (node.isObject()) {
            var fields = node.fields();
            while (fields.hasNext()) {
                var field = fields.next();
                if (!(top && field.getKey().equals("model"))) {
                    tokens += strings(field.getValue(), false);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode e : node) {
                tokens += strings(e, false);
            }
        }
        return tokens;
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
