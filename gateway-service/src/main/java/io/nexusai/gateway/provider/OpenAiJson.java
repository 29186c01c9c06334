package io.nexusai.gateway.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * One OpenAI response object or stream chunk on its way to the client ({@code model} already the alias), in one of
 * two forms:
 * <ul>
 *     <li>{@link #of(ObjectNode) a tree}, for translators that build OpenAI objects from another vendor's;</li>
 *     <li>{@link #scan a provider's own object}, for OpenAI-compatible providers: its bytes are read once, without
 *     building a tree, for what the gateway needs (the top-level fields, the delivered text, the usage), and written
 *     out again as they came but for the {@code model} value and the fields the usage policy removes — parsing
 *     a tree and serialising it again was the largest cost of relaying a stream, and a large one of a whole answer.</li>
 * </ul>
 * The gateway's usage policy edits a chunk ({@link #remove}, {@link #putNull}); the meter reads its text.
 * Not thread-safe; one per object.
 */
public abstract sealed class OpenAiJson permits OpenAiJson.Tree, OpenAiJson.Raw {

    /** A chunk built as a tree. */
    public static OpenAiJson of(ObjectNode chunk) {
        return new Tree(chunk, null);
    }

    /**
     * An event or object of an ingress API other than chat completions (e.g. a Responses stream event), built as
     * a tree, with the text it delivers to the client given by its translator (for the usage estimate of a stream
     * cut short): {@code ""} when it delivers none.
     */
    public static OpenAiJson event(ObjectNode event, String delivered) {
        return new Tree(event, delivered == null ? "" : delivered);
    }

    /**
     * Reads a provider's OpenAI chunk; {@code null} when it is not a JSON object.
     *
     * @param aliasJson the alias as a JSON string (quotes included) to put in place of the {@code model} value
     */
    public static OpenAiJson scan(JsonFactory json, byte[] chunk, byte[] aliasJson) {
        return Raw.read(json, chunk, aliasJson);
    }

    /** Whether the chunk has this top-level field (a {@code null} value included). */
    public abstract boolean has(String field);

    /** Whether {@code usage} is an object: the provider's report of the stream's usage. */
    public abstract boolean usageReported();

    /** The reported usage, or {@code null} when the chunk carries none. */
    public abstract TokenUsage usage();

    /** Whether {@code choices} is missing or an empty array. */
    public abstract boolean noChoices();

    /** The top-level field's value when it is a string, else {@code null}. */
    public abstract String text(String field);

    /** Leaves a top-level field out. */
    public abstract void remove(String field);

    /** Adds {@code field: null} (when the chunk has no such field). */
    public abstract void putNull(String field);

    /**
     * Appends the text this chunk delivers to the client — content, refusal, tool call names and arguments of
     * every choice, or a legacy completion's text — for estimating the usage of a stream cut short.
     */
    public abstract void appendText(StringBuilder delivered);

    /** Writes the chunk as JSON. */
    public abstract void writeTo(Buffer out, ObjectMapper mapper);

    /** The chunk as a tree (parsed on demand for a provider's chunk): for tests and rare paths. */
    public abstract ObjectNode tree(ObjectMapper mapper);

    /** The text fields a chunk's choices deliver (chat: {@code delta}/{@code message}; completions: {@code text}). */
    static void appendChoicesText(JsonNode chunk, StringBuilder delivered) {
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.has("delta") ? choice.get("delta") : choice.path("message");
            append(delta.get("content"), delivered);
            append(delta.get("refusal"), delivered);
            for (JsonNode call : delta.path("tool_calls")) {
                append(call.path("function").get("name"), delivered);
                append(call.path("function").get("arguments"), delivered);
            }
            append(choice.get("text"), delivered);
        }
    }

    private static void append(JsonNode node, StringBuilder delivered) {
        if (node != null && node.isTextual()) {
            delivered.append(node.asText());
        }
    }

    static final class Tree extends OpenAiJson {
        private final ObjectNode chunk;
        /** The delivered text, when the translator gave it (an ingress event); else read from the choices. */
        private final String delivered;

        Tree(ObjectNode chunk, String delivered) {
            this.chunk = chunk;
            this.delivered = delivered;
        }

        @Override
        public boolean has(String field) {
            return chunk.has(field);
        }

        @Override
        public boolean usageReported() {
            return chunk.path("usage").isObject();
        }

        @Override
        public TokenUsage usage() {
            JsonNode usage = chunk.path("usage");
            return usage.isObject() ? new TokenUsage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asLong(), 0,
                    usage.path("completion_tokens_details").path("reasoning_tokens").asLong(), false)
                    : null;
        }

        @Override
        public boolean noChoices() {
            return chunk.path("choices").isEmpty();
        }

        @Override
        public String text(String field) {
            JsonNode v = chunk.get(field);
            return v != null && v.isTextual() ? v.asText() : null;
        }

        @Override
        public void remove(String field) {
            chunk.remove(field);
        }

        @Override
        public void putNull(String field) {
            if (!chunk.has(field)) {
                chunk.putNull(field);
            }
        }

        @Override
        public void appendText(StringBuilder delivered) {
            if (this.delivered != null) {
                delivered.append(this.delivered);
            } else {
                appendChoicesText(chunk, delivered);
            }
        }

        @Override
        public void writeTo(Buffer out, ObjectMapper mapper) {
            try {
                out.appendBytes(mapper.writeValueAsBytes(chunk));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serialise a parsed JSON tree", e);
            }
        }

        @Override
        public ObjectNode tree(ObjectMapper mapper) {
            return chunk;
        }
    }

    /**
     * A provider's chunk as bytes, with the offsets of its top-level fields: {@code names[i]} starts at
     * {@code starts[i]} (its opening quote), its value at {@code values[i]}, and the field ends at {@code ends[i]}.
     */
    static final class Raw extends OpenAiJson {
        private static final byte[] NULL_FIELD_PREFIX = {',', '"'};
        private static final byte[] NULL_FIELD_SUFFIX = {'"', ':', 'n', 'u', 'l', 'l'};
        private final byte[] src;
        private final byte[] aliasJson;
        private String[] names = new String[8];
        private int[] starts = new int[8];
        private int[] values = new int[8];
        private int[] ends = new int[8];
        private long removed;
        private int count;
        /** Fields added as {@code null}, in order. */
        private java.util.List<String> addedNulls;
        private boolean usageObject;
        private long promptTokens;
        private long completionTokens;
        private long cachedTokens;
        private long reasoningTokens;
        private boolean noChoices = true;
        private StringBuilder text;

        private Raw(byte[] src, byte[] aliasJson) {
            this.src = src;
            this.aliasJson = aliasJson;
        }

        static Raw read(JsonFactory json, byte[] src, byte[] aliasJson) {
            Raw raw = new Raw(src, aliasJson);
            try (JsonParser p = json.createParser(src)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    JsonToken value = p.nextToken();
                    int valueStart = (int) p.currentTokenLocation().getByteOffset();
                    switch (name) {
                        case "choices" -> raw.choices(p, value);
                        case "usage" -> raw.usage(p, value);
                        default -> {
                            if (value.isStructStart()) {
                                p.skipChildren();
                            } else {
                                p.finishToken();
                            }
                        }
                    }
                    raw.add(name, start, valueStart, (int) p.currentLocation().getByteOffset());
                }
                if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                    return null;
                }
            } catch (IOException e) {
                return null;
            }
            return raw;
        }

        private void add(String name, int start, int valueStart, int end) {
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                starts = Arrays.copyOf(starts, count * 2);
                values = Arrays.copyOf(values, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
            }
            names[count] = name;
            starts[count] = start;
            values[count] = valueStart;
            ends[count] = end;
            count++;
        }

        private void usage(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                p.finishToken();
                return;
            }
            usageObject = true;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_NUMBER_INT && "prompt_tokens".equals(field)) {
                    promptTokens = p.getLongValue();
                } else if (v == JsonToken.VALUE_NUMBER_INT && "completion_tokens".equals(field)) {
                    completionTokens = p.getLongValue();
                } else if (v == JsonToken.START_OBJECT && "prompt_tokens_details".equals(field)) {
                    cachedTokens = detail(p, "cached_tokens");
                } else if (v == JsonToken.START_OBJECT && "completion_tokens_details".equals(field)) {
                    reasoningTokens = detail(p, "reasoning_tokens");
                } else if (v.isStructStart()) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
            }
        }

        /** Walks {@code choices} for the text it delivers: content, refusal, tool calls, a completion's text. */
        private void choices(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                if (value.isStructStart()) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
                return;
            }
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                noChoices = false;
                if (t != JsonToken.START_OBJECT) {
                    if (t.isStructStart()) {
                        p.skipChildren();
                    }
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.START_OBJECT && ("delta".equals(field) || "message".equals(field))) {
                        message(p);
                    } else if (v == JsonToken.VALUE_STRING && "text".equals(field)) {
                        text().append(p.getText());
                    } else if (v.isStructStart()) {
                        p.skipChildren();
                    }
                }
            }
        }

        private void message(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING && ("content".equals(field) || "refusal".equals(field))) {
                    text().append(p.getText());
                } else if (v == JsonToken.START_ARRAY && "tool_calls".equals(field)) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String callField = p.currentName();
                            JsonToken cv = p.nextToken();
                            if (cv == JsonToken.START_OBJECT && "function".equals(callField)) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String fn = p.currentName();
                                    JsonToken fv = p.nextToken();
                                    if (fv == JsonToken.VALUE_STRING && ("name".equals(fn) || "arguments".equals(fn))) {
                                        text().append(p.getText());
                                    } else if (fv.isStructStart()) {
                                        p.skipChildren();
                                    }
                                }
                            } else if (cv.isStructStart()) {
                                p.skipChildren();
                            }
                        }
                    }
                } else if (v.isStructStart()) {
                    p.skipChildren();
                }
            }
        }

        /** The integer {@code name} of the details object the parser is in (0 when absent); reads to its end. */
        private static long detail(JsonParser p, String name) throws IOException {
            long value = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_NUMBER_INT && name.equals(field)) {
                    value = p.getLongValue();
                } else if (v.isStructStart()) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
            }
            return value;
        }

        private StringBuilder text() {
            if (text == null) {
                text = new StringBuilder();
            }
            return text;
        }

        private int index(String field) {
            for (int i = 0; i < count; i++) {
                if (field.equals(names[i]) && (removed & (1L << Math.min(i, 63))) == 0) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public boolean has(String field) {
            return index(field) >= 0 || (addedNulls != null && addedNulls.contains(field));
        }

        @Override
        public boolean usageReported() {
            return usageObject;
        }

        @Override
        public TokenUsage usage() {
            return usageObject ? new TokenUsage(promptTokens, completionTokens, cachedTokens, 0, reasoningTokens, false) : null;
        }

        @Override
        public boolean noChoices() {
            return noChoices;
        }

        @Override
        public String text(String field) {
            int i = index(field);
            if (i < 0 || src[values[i]] != '"') {
                return null;
            }
            try (JsonParser p = new JsonFactory().createParser(src, values[i], ends[i] - values[i])) {
                return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void remove(String field) {
            int i = index(field);
            if (i >= 0) {
                if (i >= 63) {
                    throw new IllegalStateException("a chunk with more than 63 fields");
                }
                removed |= 1L << i;
            }
            if (addedNulls != null) {
                addedNulls.remove(field);
            }
        }

        @Override
        public void putNull(String field) {
            if (!has(field)) {
                if (addedNulls == null) {
                    addedNulls = new java.util.ArrayList<>(1);
                }
                addedNulls.add(field);
            }
        }

        @Override
        public void appendText(StringBuilder delivered) {
            if (text != null) {
                delivered.append(text);
            }
        }

        @Override
        public void writeTo(Buffer out, ObjectMapper mapper) {
            out.appendByte((byte) '{');
            boolean first = true;
            for (int i = 0; i < count; i++) {
                if (i < 63 && (removed & (1L << i)) != 0) {
                    continue;
                }
                if (!first) {
                    out.appendByte((byte) ',');
                }
                first = false;
                if (aliasJson != null && "model".equals(names[i])) {
                    out.appendBytes(src, starts[i], values[i] - starts[i]).appendBytes(aliasJson);
                } else {
                    out.appendBytes(src, starts[i], ends[i] - starts[i]);
                }
            }
            if (addedNulls != null) {
                for (String name : addedNulls) {
                    out.appendBytes(NULL_FIELD_PREFIX, first ? 1 : 0, first ? 1 : 2)
                            .appendBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).appendBytes(NULL_FIELD_SUFFIX);
                    first = false;
                }
            }
            out.appendByte((byte) '}');
        }

        @Override
        public ObjectNode tree(ObjectMapper mapper) {
            Buffer b = Buffer.buffer(src.length + 16);
            writeTo(b, mapper);
            try {
                return (ObjectNode) mapper.readTree(b.getBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
