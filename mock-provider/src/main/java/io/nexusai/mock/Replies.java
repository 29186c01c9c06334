package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The mock's behaviour, shared by every API so that tests can share expectations: what it answers, where the
 * answer is cut, and the tool calls it makes.
 */
final class Replies {
    /** Prefix of the answer to a tool result: {@code "Tool result: <content>"}. */
    static final String TOOL_RESULT_PREFIX = "Tool result: ";
    /** Prefix of legacy completions: {@code "Mock completion from <model>: <prompt>"}. */
    static final String COMPLETION_PREFIX = "Mock completion from ";
    /** The value given to number and integer tool arguments. */
    static final int NUMBER_ARGUMENT = 42;

    private Replies() {
    }

    /** Why generation stopped, in neutral terms; each API names it its own way. */
    enum Finish {
        /** The whole reply was produced. */
        STOP,
        /** Cut by the token limit. */
        LENGTH,
        /** Cut before a stop sequence. */
        STOP_SEQUENCE,
        /** The answer is a tool call. */
        TOOL_CALL
    }

    /**
     * A call of one tool.
     *
     * @param id        the vendor-shaped call id ({@code call_…} or {@code toolu_…})
     * @param name      the tool's name
     * @param input     the arguments object
     * @param arguments {@code input} serialised compactly, as OpenAI sends it and Anthropic streams it
     */
    record ToolCall(String id, String name, ObjectNode input, String arguments) {
        /** The arguments split into the pieces a stream sends. */
        List<String> argumentPieces() {
            return TokenCounter.pieces(arguments);
        }
    }

    /**
     * The generated answer.
     *
     * @param text         the text (empty for a tool call)
     * @param pieces       the text split into stream pieces, one per token; they concatenate to {@code text}
     * @param finish       why generation stopped
     * @param stopSequence the stop sequence that cut the text, when {@code finish} is {@link Finish#STOP_SEQUENCE}
     * @param toolCall     the tool call, when {@code finish} is {@link Finish#TOOL_CALL}
     * @param outputTokens completion tokens: those of {@code text}, or of the tool's name + arguments
     */
    record Completion(String text, List<String> pieces, Finish finish, String stopSequence, ToolCall toolCall,
                      int outputTokens) {
        boolean isToolCall() {
            return toolCall != null;
        }
    }

    /**
     * {@code full} as a model would produce it: cut before the earliest of {@code stopSequences}, then to
     * {@code maxTokens} tokens (0 = no limit).
     */
    static Completion text(String full, int maxTokens, List<String> stopSequences) {
        String text = full;
        Finish finish = Finish.STOP;
        String matched = null;
        int earliest = -1;
        for (String stop : stopSequences) {
            int at = stop.isEmpty() ? -1 : full.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                matched = stop;
            }
        }
        if (matched != null) {
            text = full.substring(0, earliest);
            finish = Finish.STOP_SEQUENCE;
        }
        List<String> pieces = TokenCounter.pieces(text, maxTokens > 0 ? maxTokens : Integer.MAX_VALUE);
        String produced = String.join("", pieces);
        if (!produced.equals(text)) {
            text = produced;
            finish = Finish.LENGTH;
            matched = null;
        }
        return new Completion(text, pieces, finish, matched, null, TokenCounter.count(text));
    }

    /** A call of tool {@code name} with arguments built by {@link #argumentsFor} from its JSON schema. */
    static Completion toolCall(String id, String name, JsonNode schema, String userText) {
        ObjectNode input = argumentsFor(schema, userText);
        String arguments = Json.write(input);
        return new Completion("", List.of(), Finish.TOOL_CALL, null, new ToolCall(id, name, input, arguments),
                TokenCounter.count(name + arguments));
    }

    /**
     * Arguments for a tool whose parameters are the JSON schema {@code schema}: every property listed in
     * {@code required}, valued by its type — string: {@code userText}; number or integer: {@value #NUMBER_ARGUMENT};
     * boolean: {@code true}; anything else: {@code null}.
     */
    static ObjectNode argumentsFor(JsonNode schema, String userText) {
        ObjectNode input = Json.object();
        for (JsonNode required : schema.path("required")) {
            String name = required.asText();
            switch (typeOf(schema.path("properties").path(name))) {
                case "string" -> input.put(name, userText);
                case "number", "integer" -> input.put(name, NUMBER_ARGUMENT);
                case "boolean" -> input.put(name, true);
                default -> input.putNull(name);
            }
        }
        return input;
    }

    /** The JSON-schema type of a property: its {@code type}, or the first non-null one of a type array. */
    private static String typeOf(JsonNode property) {
        JsonNode type = property.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    return t.asText();
                }
            }
            return "null";
        }
        return type.asText("");
    }
}
