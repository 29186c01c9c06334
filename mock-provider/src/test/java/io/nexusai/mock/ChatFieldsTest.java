package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat-completion fields that shape choices: {@code response_format}, {@code n}, {@code logprobs}/
 * {@code top_logprobs} and parallel tool calls, answered and streamed as OpenAI does.
 */
class ChatFieldsTest extends MockServerTestBase {
    static final String USER = "Plan a trip to Köln 🧳";

    static final String SCHEMA = """
            {"type":"object","additionalProperties":false,
             "properties":{
               "title":{"type":"string","maxLength":10},
               "days":{"type":"integer","minimum":50,"maximum":60},
               "budget":{"type":["number","null"]},
               "confirmed":{"type":"boolean"},
               "mode":{"type":"string","enum":["train","car"]},
               "version":{"const":3},
               "stops":{"type":"array","minItems":2,"items":{"$ref":"#/$defs/stop"}},
               "tags":{"type":"array","items":{"type":"string"}},
               "owner":{"anyOf":[{"$ref":"#/definitions/person"},{"type":"null"}]}},
             "required":["title","days","budget","confirmed","mode","version","stops","tags","owner"],
             "$defs":{"stop":{"type":"object","additionalProperties":false,
               "properties":{"city":{"type":"string"},"nights":{"type":"integer"},"at":{"type":"string","format":"date"}},
               "required":["city","nights","at"]}},
             "definitions":{"person":{"type":"object","additionalProperties":false,
               "properties":{"name":{"type":"string"}},"required":["name"]}}}""";

    static String chat(String extra) {
        return "{\"model\":\"gpt-4o\"," + extra + "\"messages\":[{\"role\":\"user\",\"content\":"
                + mapper.valueToTree(USER) + "}]}";
    }

    static String schemaFormat(String schema, boolean strict) {
        return "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"trip\",\"strict\":" + strict
                + ",\"schema\":" + schema + "}},";
    }

    static List<JsonNode> chunks(String body) {
        List<SseEvent> events = sse(body);
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        return events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
    }

    /** Concatenates the streamed content per choice index. */
    static Map<Integer, String> streamedContent(List<JsonNode> chunks) {
        Map<Integer, String> content = new TreeMap<>();
        for (JsonNode chunk : chunks) {
            for (JsonNode choice : chunk.path("choices")) {
                content.merge(choice.path("index").asInt(), choice.at("/delta/content").asText(""), String::concat);
            }
        }
        return content;
    }

    // ---------------------------------------------------------------- response_format

    @Test
    void jsonObjectContentIsAJsonObjectInAnswerAndStream() {
        String request = chat("\"response_format\":{\"type\":\"json_object\"},").replace("Plan", "As JSON, plan");
        JsonNode answer = json(openAi("/v1/chat/completions", request).body());
        String content = answer.at("/choices/0/message/content").asText();
        assertThat(json(content).isObject()).isTrue();
        assertThat(json(content).path("reply").asText()).isEqualTo("Mock reply from gpt-4o: As JSON, plan a trip to Köln 🧳");
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");

        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions",
                request.replace("{\"model\"", "{\"stream\":true,\"model\"")).body());
        assertThat(streamedContent(chunks).get(0)).isEqualTo(content);
    }

    @Test
    void jsonObjectNeedsTheWordJsonInTheMessages() {
        assertInvalid(chat("\"response_format\":{\"type\":\"json_object\"},"), "messages");
    }

    @Test
    void strictJsonSchemaContentValidatesAgainstTheSchema() {
        String request = chat(schemaFormat(SCHEMA, true));
        JsonNode answer = json(openAi("/v1/chat/completions", request).body());
        String content = answer.at("/choices/0/message/content").asText();
        JsonNode value = json(content);
        JsonNode schema = json(SCHEMA);
        assertThat(violations(value, schema, schema, "$")).isEmpty();
        assertThat(value.path("stops")).hasSize(2);
        assertThat(value.path("days").asInt()).isEqualTo(50);
        assertThat(value.path("mode").asText()).isEqualTo("train");
        assertThat(value.at("/owner/name").isTextual()).isTrue();
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(content));

        JsonNode again = json(openAi("/v1/chat/completions", request).body());
        assertThat(again.at("/choices/0/message/content").asText()).as("deterministic").isEqualTo(content);
        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions",
                request.replace("{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"")).body());
        assertThat(streamedContent(chunks).get(0)).isEqualTo(content);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(TokenCounter.count(content));
    }

    @Test
    void nonStrictJsonSchemaGivesTheRequiredProperties() {
        String schema = """
                {"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["b"]}""";
        JsonNode answer = json(openAi("/v1/chat/completions", chat(schemaFormat(schema, false))).body());
        JsonNode value = json(answer.at("/choices/0/message/content").asText());
        assertThat(value).isEqualTo(json("{\"b\":42}"));
        assertThat(violations(value, json(schema), json(schema), "$")).isEmpty();
    }

    @Test
    void invalidResponseFormatsAre400sNamingTheParam() {
        assertInvalid(chat("\"response_format\":{\"type\":\"xml\"},"), "response_format.type");
        assertInvalid(chat("\"response_format\":{\"type\":\"json_schema\"},"), "response_format.json_schema");
        assertInvalid(chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}},"),
                "response_format.json_schema.name");
        assertInvalid(chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}},"),
                "response_format.json_schema.schema");
        assertInvalid(chat(schemaFormat("\"an object\"", false)), "response_format.json_schema.schema");
        assertInvalid(chat(schemaFormat("[1]", false)), "response_format.json_schema.schema");
        assertInvalid(chat(schemaFormat(SCHEMA.replaceFirst("\"additionalProperties\":false,", ""), true)), "response_format");
        assertInvalid(chat(schemaFormat("""
                {"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}},"required":[]}""",
                true)), "response_format");
    }

    // ---------------------------------------------------------------- n

    @Test
    void nChoicesInAnswerAndStream() {
        JsonNode single = json(openAi("/v1/chat/completions", chat("")).body());
        int oneChoiceTokens = single.at("/usage/completion_tokens").asInt();
        String text = single.at("/choices/0/message/content").asText();

        JsonNode answer = json(openAi("/v1/chat/completions", chat("\"n\":3,")).body());
        assertThat(answer.path("choices")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(answer.at("/choices/" + i + "/index").asInt()).isEqualTo(i);
            assertThat(answer.at("/choices/" + i + "/message/content").asText()).isEqualTo(text);
        }
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(3 * oneChoiceTokens);

        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions",
                chat("\"n\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true},")).body());
        Map<Integer, String> content = streamedContent(chunks);
        assertThat(content).containsOnlyKeys(0, 1, 2);
        assertThat(content.values()).containsOnly(text);
        Map<Integer, String> finish = new TreeMap<>();
        for (JsonNode chunk : chunks) {
            for (JsonNode choice : chunk.path("choices")) {
                if (!choice.path("finish_reason").isNull()) {
                    finish.put(choice.path("index").asInt(), choice.path("finish_reason").asText());
                }
            }
        }
        assertThat(finish).isEqualTo(Map.of(0, "stop", 1, "stop", 2, "stop"));
        assertThat(chunks.get(1).at("/choices/0/index").asInt()).as("choices are interleaved").isEqualTo(1);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(3 * oneChoiceTokens);
    }

    @Test
    void nOutOfRangeIs400() {
        assertInvalid(chat("\"n\":0,"), "n");
        assertInvalid(chat("\"n\":129,"), "n");
        assertInvalid(chat("\"n\":\"two\","), "n");
        assertThat(json(openAi("/v1/chat/completions", chat("\"n\":128,")).body()).path("choices")).hasSize(128);
    }

    // ---------------------------------------------------------------- logprobs

    @Test
    void logprobsOneEntryPerTokenInAnswerAndStream() {
        JsonNode answer = json(openAi("/v1/chat/completions", chat("\"logprobs\":true,\"top_logprobs\":3,")).body());
        String content = answer.at("/choices/0/message/content").asText();
        JsonNode entries = answer.at("/choices/0/logprobs/content");
        assertThat(answer.at("/choices/0/logprobs/refusal").isNull()).isTrue();
        assertThat(entries.size()).isEqualTo(TokenCounter.pieces(content).size());
        StringBuilder joined = new StringBuilder();
        for (JsonNode entry : entries) {
            assertEntry(entry, 3);
            joined.append(entry.path("token").asText());
        }
        assertThat(joined.toString()).isEqualTo(content);

        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions",
                chat("\"logprobs\":true,\"top_logprobs\":3,\"stream\":true,")).body());
        List<JsonNode> streamed = new ArrayList<>();
        for (JsonNode chunk : chunks) {
            JsonNode choice = chunk.at("/choices/0");
            String piece = choice.at("/delta/content").asText("");
            if (!piece.isEmpty()) {
                JsonNode pieceEntries = choice.at("/logprobs/content");
                StringBuilder tokens = new StringBuilder();
                pieceEntries.forEach(e -> tokens.append(e.path("token").asText()));
                assertThat(tokens.toString()).isEqualTo(piece);
                pieceEntries.forEach(streamed::add);
            }
        }
        assertThat(streamed).isEqualTo(List.copyOf(iterable(entries)));
    }

    @Test
    void logprobsWithoutTopLogprobsAndWithN() {
        JsonNode answer = json(openAi("/v1/chat/completions", chat("\"logprobs\":true,\"n\":2,")).body());
        for (JsonNode choice : answer.path("choices")) {
            assertThat(choice.at("/logprobs/content").size()).isPositive();
            choice.at("/logprobs/content").forEach(entry -> assertEntry(entry, 0));
        }
        JsonNode plain = json(openAi("/v1/chat/completions", chat("")).body());
        assertThat(plain.at("/choices/0/logprobs").isNull()).isTrue();
    }

    @Test
    void topLogprobsNeedsLogprobsAndARange() {
        assertInvalid(chat("\"top_logprobs\":2,"), "top_logprobs");
        assertInvalid(chat("\"logprobs\":false,\"top_logprobs\":2,"), "top_logprobs");
        assertInvalid(chat("\"logprobs\":true,\"top_logprobs\":21,"), "top_logprobs");
        assertInvalid(chat("\"logprobs\":true,\"top_logprobs\":-1,"), "top_logprobs");
        JsonNode twenty = json(openAi("/v1/chat/completions", chat("\"logprobs\":true,\"top_logprobs\":20,")).body());
        twenty.at("/choices/0/logprobs/content").forEach(entry -> assertEntry(entry, 20));
    }

    static void assertEntry(JsonNode entry, int top) {
        String token = entry.path("token").asText();
        assertThat(entry.path("logprob").asDouble()).isLessThanOrEqualTo(0);
        assertThat(bytes(entry.path("bytes"))).isEqualTo(token.getBytes(StandardCharsets.UTF_8));
        JsonNode alternatives = entry.path("top_logprobs");
        assertThat(alternatives.isArray()).isTrue();
        assertThat(alternatives).hasSize(top);
        if (top > 0) {
            assertThat(alternatives.get(0).path("token").asText()).isEqualTo(token);
            assertThat(alternatives.get(0).path("logprob").asDouble()).isEqualTo(entry.path("logprob").asDouble());
        }
        Set<String> seen = new HashSet<>();
        double previous = 0;
        for (JsonNode alternative : alternatives) {
            assertThat(seen.add(alternative.path("token").asText())).isTrue();
            assertThat(alternative.path("logprob").asDouble()).isLessThanOrEqualTo(previous);
            previous = alternative.path("logprob").asDouble();
            assertThat(bytes(alternative.path("bytes")))
                    .isEqualTo(alternative.path("token").asText().getBytes(StandardCharsets.UTF_8));
        }
    }

    static byte[] bytes(JsonNode ints) {
        byte[] bytes = new byte[ints.size()];
        for (int i = 0; i < bytes.length; i++) {
            int value = ints.get(i).asInt();
            assertThat(value).isBetween(0, 255);
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    // ---------------------------------------------------------------- parallel tool calls

    static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","strict":true,"parameters":{"type":"object",
              "additionalProperties":false,"properties":{"city":{"type":"string"},"unit":{"type":"string",
              "enum":["c","f"]},"days":{"type":["integer","null"]}},"required":["city","unit","days"]}}},
              {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
              "properties":{"zone":{"type":"string"},"format":{"type":"string"}},"required":["zone"]}}},
              {"type":"function","function":{"name":"find_hotels","parameters":{"type":"object",
              "properties":{"near":{"type":"array","items":{"type":"string"},"minItems":2}},"required":["near"]}}}],""";

    @Test
    void parallelToolCallsOnePerTool() {
        JsonNode request = json(chat(TOOLS));
        JsonNode answer = json(openAi("/v1/chat/completions", request.toString()).body());
        JsonNode choice = answer.at("/choices/0");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode calls = choice.at("/message/tool_calls");
        assertThat(calls).hasSize(3);
        Set<String> ids = new HashSet<>();
        int tokens = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode call = calls.get(i);
            JsonNode function = request.at("/tools/" + i + "/function");
            assertThat(ids.add(call.path("id").asText())).isTrue();
            assertThat(call.path("id").asText()).startsWith("call_");
            assertThat(call.at("/function/name").asText()).isEqualTo(function.path("name").asText());
            JsonNode arguments = json(call.at("/function/arguments").asText());
            JsonNode schema = function.path("parameters");
            assertThat(violations(arguments, schema, schema, "$")).isEmpty();
            tokens += TokenCounter.count(call.at("/function/name").asText() + call.at("/function/arguments").asText());
        }
        assertThat(json(calls.get(0).at("/function/arguments").asText()))
                .isEqualTo(json("{\"city\":\"" + USER + "\",\"unit\":\"c\",\"days\":42}"));
        assertThat(json(calls.get(1).at("/function/arguments").asText())).isEqualTo(json("{\"zone\":\"" + USER + "\"}"));
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(tokens);

        JsonNode required = json(openAi("/v1/chat/completions", chat(TOOLS + "\"tool_choice\":\"required\",")).body());
        assertThat(required.at("/choices/0/message/tool_calls")).hasSize(3);
    }

    @Test
    void streamedParallelToolCallsCarryTheirIndex() {
        JsonNode plain = json(openAi("/v1/chat/completions", chat(TOOLS)).body());
        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions", chat(TOOLS + "\"stream\":true,")).body());
        Map<Integer, String> ids = new TreeMap<>();
        Map<Integer, String> names = new TreeMap<>();
        Map<Integer, String> arguments = new TreeMap<>();
        for (JsonNode chunk : chunks) {
            for (JsonNode call : chunk.at("/choices/0/delta/tool_calls")) {
                int index = call.path("index").asInt();
                if (call.has("id")) {
                    assertThat(ids.put(index, call.path("id").asText())).as("one header per call").isNull();
                    names.put(index, call.at("/function/name").asText());
                    assertThat(arguments).as("calls are streamed one after the other").doesNotContainKey(index + 1);
                }
                arguments.merge(index, call.at("/function/arguments").asText(), String::concat);
            }
        }
        assertThat(ids).containsOnlyKeys(0, 1, 2);
        assertThat(new HashSet<>(ids.values())).hasSize(3);
        assertThat(names.values()).containsExactly("get_weather", "get_time", "find_hotels");
        for (int i = 0; i < 3; i++) {
            assertThat(json(arguments.get(i)))
                    .isEqualTo(json(plain.at("/choices/0/message/tool_calls/" + i + "/function/arguments").asText()));
        }
        assertThat(chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void noParallelToolCallsWhenTurnedOffOrOneToolIsNamed() {
        JsonNode off = json(openAi("/v1/chat/completions", chat(TOOLS + "\"parallel_tool_calls\":false,")).body());
        assertThat(off.at("/choices/0/message/tool_calls")).hasSize(1);
        assertThat(off.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        List<JsonNode> chunks = chunks(openAi("/v1/chat/completions",
                chat(TOOLS + "\"parallel_tool_calls\":false,\"stream\":true,")).body());
        for (JsonNode chunk : chunks) {
            for (JsonNode call : chunk.at("/choices/0/delta/tool_calls")) {
                assertThat(call.path("index").asInt()).isZero();
            }
        }
        JsonNode named = json(openAi("/v1/chat/completions", chat(TOOLS
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"find_hotels\"}},")).body());
        assertThat(named.at("/choices/0/message/tool_calls")).hasSize(1);
        assertThat(json(named.at("/choices/0/message/tool_calls/0/function/arguments").asText()).path("near"))
                .hasSize(2);
        JsonNode none = json(openAi("/v1/chat/completions", chat(TOOLS + "\"tool_choice\":\"none\",")).body());
        assertThat(none.at("/choices/0/message/tool_calls").isMissingNode()).isTrue();
    }

    // ---------------------------------------------------------------- helpers

    static void assertInvalid(String body, String param) {
        HttpResponse<String> r = openAi("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode error = json(r.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.has("code")).isTrue();
        assertThat(error.path("param").asText()).as(r.body()).isEqualTo(param);
    }

    static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    /**
     * What makes {@code value} invalid against {@code schema} (the subset of JSON Schema the mock generates for);
     * empty when valid. Objects are checked as strict mode would: required properties present, no property
     * outside {@code properties} when {@code additionalProperties} is false.
     */
    static List<String> violations(JsonNode value, JsonNode schema, JsonNode root, String path) {
        List<String> errors = new ArrayList<>();
        if (schema.has("$ref")) {
            return violations(value, root.at(schema.get("$ref").asText().substring(1)), root, path);
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            errors.add(path + ": not the const");
        }
        if (schema.has("enum") && !iterable(schema.get("enum")).contains(value)) {
            errors.add(path + ": not in the enum");
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode branch : schema.get("anyOf")) {
                any |= violations(value, branch, root, path).isEmpty();
            }
            if (!any) {
                errors.add(path + ": matches no anyOf branch");
            }
        }
        if (!schema.has("type")) {
            return errors;
        }
        List<String> types = schema.get("type").isArray()
                ? iterable(schema.get("type")).stream().map(JsonNode::asText).toList()
                : List.of(schema.get("type").asText());
        String actual = value.isNull() ? "null" : value.isObject() ? "object" : value.isArray() ? "array"
                : value.isTextual() ? "string" : value.isBoolean() ? "boolean"
                : value.isIntegralNumber() ? "integer" : value.isNumber() ? "number" : "?";
        if (!types.contains(actual) && !(actual.equals("integer") && types.contains("number"))) {
            errors.add(path + ": " + actual + " is not " + types);
            return errors;
        }
        switch (actual) {
            case "object" -> {
                for (JsonNode required : schema.path("required")) {
                    if (!value.has(required.asText())) {
                        errors.add(path + ": missing " + required.asText());
                    }
                }
                for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    JsonNode property = schema.path("properties").get(name);
                    if (property == null) {
                        if (schema.path("additionalProperties").isBoolean()
                                && !schema.get("additionalProperties").asBoolean()) {
                            errors.add(path + ": additional property " + name);
                        }
                    } else {
                        errors.addAll(violations(value.get(name), property, root, path + "." + name));
                    }
                }
            }
            case "array" -> {
                if (value.size() < schema.path("minItems").asInt(0)
                        || value.size() > schema.path("maxItems").asInt(Integer.MAX_VALUE)) {
                    errors.add(path + ": " + value.size() + " items");
                }
                for (int i = 0; i < value.size(); i++) {
                    errors.addAll(violations(value.get(i), schema.path("items"), root, path + "[" + i + "]"));
                }
            }
            case "string" -> {
                int length = value.asText().codePointCount(0, value.asText().length());
                if (length < schema.path("minLength").asInt(0)
                        || length > schema.path("maxLength").asInt(Integer.MAX_VALUE)) {
                    errors.add(path + ": length " + length);
                }
            }
            case "integer", "number" -> {
                if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()
                        || schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
                    errors.add(path + ": out of bounds");
                }
            }
            default -> {
            }
        }
        return errors;
    }
}
