package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.mock.Replies.Completion;
import io.nexusai.mock.Replies.Finish;
import io.nexusai.mock.Replies.ToolCall;
import io.nexusai.mock.SseStream.Event;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Anthropic's Messages API, {@code POST /v1/messages}: headers {@code x-api-key} (when the server has a key) and
 * {@code anthropic-version} (required), errors in Anthropic's envelope, answers and streams in Anthropic's format.
 *
 * <p>The reply is {@code "Mock reply from <model>: <text blocks of the last user message>"}, the same rule as for
 * OpenAI, cut before a {@code stop_sequences} match and at {@code max_tokens}. With tools, a last user message that
 * is not only {@code tool_result} blocks and a {@code tool_choice} other than {@code none}, the answer is a
 * {@code tool_use} block instead; a last user message with {@code tool_result} blocks is answered
 * {@code "Tool result: <their content text, joined with \n>"}.
 *
 * <p>Usage: {@code input_tokens} = tokens(system text) + Σ over messages of tokens(message text), where the system
 * text is the {@code system} string or its text blocks concatenated, and a message's text is its string content,
 * or the concatenation, in order, of its {@code text} blocks' text and its {@code tool_result} blocks' content
 * text (string, or text blocks concatenated); images and {@code tool_use} blocks count nothing, nor does any
 * per-message overhead. {@code output_tokens} = tokens of the reply text, or of the tool's name + compact JSON input.
 *
 * <p>Prompt caching: a request with {@code cache_control} on a system block or on a block of a message has a cached
 * prefix — the system text and every message up to the last one with a breakpoint (a breakpoint in the system only:
 * the system text). The first request with a given prefix (same model, same system and messages up to there) writes
 * it: {@code cache_creation_input_tokens} = its tokens; later ones read it: {@code cache_read_input_tokens}; either
 * way {@code input_tokens} is the rest, as at Anthropic. The cache lives as long as the mock process, with no
 * minimum length and no expiry. Requests without {@code cache_control} report no cache fields.
 */
final class AnthropicApi {
    static final String VERSION_HEADER = "anthropic-version";
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "any", "tool", "none");
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    private static final Set<String> UNCHECKED_BLOCKS = Set.of("document", "thinking", "redacted_thinking");

    private final MockState mock;
    /** Prompt prefixes written to the cache: model, system and the messages up to the last breakpoint, as JSON. */
    private final Set<String> cachedPrefixes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    AnthropicApi(MockState mock) {
        this.mock = mock;
    }

    void register(Router router) {
        router.post("/v1/messages").handler(this::messages);
        router.post("/v1/messages/count_tokens").handler(this::countTokens);
    }

    private void messages(RoutingContext ctx) {
        ApiCall call = opened(ctx);
        if (call != null) {
            call.run(() -> answer(call));
        }
    }

    /**
     * {@code POST /v1/messages/count_tokens}: {@code {"input_tokens":N}}, counted as a Messages call counts its input;
     * fault rules apply as to any call.
     */
    private void countTokens(RoutingContext ctx) {
        ApiCall call = opened(ctx);
        if (call != null) {
            call.run(() -> count(call));
        }
    }

    private void count(ApiCall call) {
        JsonNode body = call.body();
        JsonNode model = body.get("model");
        String problem = model == null || !model.isTextual() || model.asText().isEmpty() ? "model: Field required"
                : body.has("max_tokens") ? "max_tokens: Extra inputs are not permitted" : validateMessages(body.get("messages"));
        if (problem == null) {
            problem = validateSystem(body.get("system"));
        }
        if (problem != null) {
            call.invalid(problem, null);
            return;
        }
        call.reply(Json.MAPPER.createObjectNode().put("input_tokens", inputTokens(body)));
    }

    /** The call, once its key and version header are checked; {@code null} when it was answered already. */
    private ApiCall opened(RoutingContext ctx) {
        ApiCall call = ApiCall.open(ctx, mock, ErrorFormat.ANTHROPIC, null);
        if (call == null) {
            return null;
        }
        if (mock.apiKey() != null && !mock.apiKey().equals(call.header("x-api-key"))) {
            call.error(401, ErrorFormat.anthropic("authentication_error", "invalid x-api-key"));
            return null;
        }
        String version = call.header(VERSION_HEADER);
        if (version == null || version.isBlank()) {
            call.invalid(VERSION_HEADER + ": header is required", null);
            return null;
        }
        return call;
    }

    private static int inputTokens(JsonNode body) {
        int inputTokens = TokenCounter.count(systemText(body.get("system")));
        for (JsonNode message : body.get("messages")) {
            inputTokens += TokenCounter.count(messageText(message.get("content")));
        }
        return inputTokens;
    }

    private void answer(ApiCall call) {
        JsonNode body = call.body();
        String problem = validate(body);
        if (problem != null) {
            call.invalid(problem, null);
            return;
        }
        String model = body.get("model").asText();
        JsonNode messages = body.get("messages");
        Completion completion = completion(body, model, messages);
        int inputTokens = inputTokens(body);
        Cache cache = cache(model, body.get("system"), messages);
        String id = Ids.random("msg_01", 22);
        if (body.path("stream").asBoolean(false)) {
            call.stream(events(id, model, completion, inputTokens, cache));
        } else {
            ObjectNode block = completion.isToolCall() ? toolUseBlock(completion.toolCall(), true)
                    : textBlock(completion.text());
            ObjectNode out = message(id, model, block, stopReason(completion.finish()), completion.stopSequence(),
                    inputTokens, completion.outputTokens(), cache);
            call.reply(out);
        }
    }

    /**
     * The prompt-cache part of a request's input: tokens written to and read from the cache ({@code null} when the
     * request has no {@code cache_control} breakpoint).
     */
    record Cache(int creationTokens, int readTokens) {
        int tokens() {
            return creationTokens + readTokens;
        }
    }

    /** The cached prefix of a request, written on first sight and read afterwards — see the type's documentation. */
    private Cache cache(String model, JsonNode system, JsonNode messages) {
        boolean systemMarked = hasBreakpoint(system);
        int last = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (hasBreakpoint(messages.get(i).get("content"))) {
                last = i;
            }
        }
        if (!systemMarked && last < 0) {
            return null;
        }
        int tokens = TokenCounter.count(systemText(system));
        ArrayNode prefix = Json.array();
        for (int i = 0; i <= last; i++) {
            tokens += TokenCounter.count(messageText(messages.get(i).get("content")));
            prefix.add(messages.get(i));
        }
        String key = model + "\n" + (system == null ? "" : Json.write(system)) + "\n" + Json.write(prefix);
        return cachedPrefixes.add(key) ? new Cache(tokens, 0) : new Cache(0, tokens);
    }

    private static boolean hasBreakpoint(JsonNode content) {
        if (content == null || !content.isArray()) {
            return false;
        }
        for (JsonNode block : content) {
            if (block.hasNonNull("cache_control")) {
                return true;
            }
        }
        return false;
    }

    /** Tool use, tool result, or the mock reply — see the type's documentation. */
    private static Completion completion(JsonNode body, String model, JsonNode messages) {
        JsonNode last = messages.get(messages.size() - 1);
        JsonNode lastUser = last;
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) {
                lastUser = message;
            }
        }
        JsonNode content = lastUser.get("content");
        String userText = TokenCounter.textOf(content);
        List<String> toolResults = new ArrayList<>();
        boolean onlyToolResults = content.isArray();
        for (JsonNode block : content.isArray() ? content : List.<JsonNode>of()) {
            if ("tool_result".equals(block.path("type").asText())) {
                toolResults.add(TokenCounter.textOf(block.get("content")));
            } else {
                onlyToolResults = false;
            }
        }
        JsonNode tools = body.path("tools");
        String choice = body.path("tool_choice").path("type").asText("auto");
        if (!tools.isEmpty() && last == lastUser && !onlyToolResults && !"none".equals(choice)) {
            JsonNode tool = "tool".equals(choice) ? namedTool(tools, body.path("tool_choice").path("name").asText())
                    : tools.get(0);
            return Replies.toolCall(Ids.random("toolu_01", 22), tool.path("name").asText(),
                    tool.path("input_schema"), userText);
        }
        String text = toolResults.isEmpty()
                ? MockProviderServer.REPLY_PREFIX + model + ": " + userText
                : Replies.TOOL_RESULT_PREFIX + String.join("\n", toolResults);
        List<String> stops = new ArrayList<>();
        body.path("stop_sequences").forEach(stop -> stops.add(stop.asText()));
        return Replies.text(text, body.get("max_tokens").asInt(), stops);
    }

    private static List<Event> events(String id, String model, Completion completion, int inputTokens, Cache cache) {
        List<Event> events = new ArrayList<>();
        ObjectNode start = Json.object().put("type", "message_start");
        ObjectNode message = message(id, model, null, null, null, inputTokens, 1, cache);
        start.set("message", message);
        events.add(Event.named("message_start", start, false));

        ObjectNode blockStart = Json.object().put("type", "content_block_start").put("index", 0);
        blockStart.set("content_block", completion.isToolCall() ? toolUseBlock(completion.toolCall(), false)
                : textBlock(""));
        events.add(Event.named("content_block_start", blockStart, false));
        events.add(Event.named("ping", Json.object().put("type", "ping"), false));
        List<String> pieces = completion.isToolCall() ? completion.toolCall().argumentPieces() : completion.pieces();
        for (String piece : pieces) {
            ObjectNode delta = Json.object().put("type", "content_block_delta").put("index", 0);
            if (completion.isToolCall()) {
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
            } else {
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
            }
            events.add(Event.named("content_block_delta", delta, true));
        }
        events.add(Event.named("content_block_stop",
                Json.object().put("type", "content_block_stop").put("index", 0), false));

        ObjectNode messageDelta = Json.object().put("type", "message_delta");
        messageDelta.putObject("delta")
                .put("stop_reason", stopReason(completion.finish()))
                .put("stop_sequence", completion.stopSequence());
        messageDelta.putObject("usage").put("output_tokens", completion.outputTokens());
        events.add(Event.named("message_delta", messageDelta, false));
        events.add(Event.named("message_stop", Json.object().put("type", "message_stop"), false));
        return events;
    }

    /** A message object; {@code block} {@code null} gives the empty content of a stream's {@code message_start}. */
    private static ObjectNode message(String id, String model, ObjectNode block, String stopReason,
                                      String stopSequence, int inputTokens, int outputTokens, Cache cache) {
        ObjectNode message = Json.object();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        ArrayNode content = message.putArray("content");
        if (block != null) {
            content.add(block);
        }
        message.put("stop_reason", stopReason);
        message.put("stop_sequence", stopSequence);
        ObjectNode usage = message.putObject("usage");
        if (cache == null) {
            usage.put("input_tokens", inputTokens);
        } else {
            usage.put("input_tokens", inputTokens - cache.tokens())
                    .put("cache_creation_input_tokens", cache.creationTokens())
                    .put("cache_read_input_tokens", cache.readTokens());
        }
        usage.put("output_tokens", outputTokens);
        return message;
    }

    private static ObjectNode textBlock(String text) {
        return Json.object().put("type", "text").put("text", text);
    }

    /** A {@code tool_use} block; in a stream's {@code content_block_start} its input is still {@code {}}. */
    private static ObjectNode toolUseBlock(ToolCall call, boolean withInput) {
        ObjectNode block = Json.object().put("type", "tool_use").put("id", call.id()).put("name", call.name());
        block.set("input", withInput ? call.input() : Json.object());
        return block;
    }

    private static String stopReason(Finish finish) {
        return switch (finish) {
            case STOP -> "end_turn";
            case LENGTH -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case TOOL_CALL -> "tool_use";
        };
    }

    private static JsonNode namedTool(JsonNode tools, String name) {
        for (JsonNode tool : tools) {
            if (name.equals(tool.path("name").asText())) {
                return tool;
            }
        }
        return null;
    }

    /** The {@code system} string, or its text blocks concatenated. */
    private static String systemText(JsonNode system) {
        return TokenCounter.textOf(system);
    }

    /** A message's text for {@code input_tokens}: its text blocks and its tool results' text, in order. */
    private static String messageText(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : content) {
            switch (block.path("type").asText()) {
                case "text" -> sb.append(block.path("text").asText());
                case "tool_result" -> sb.append(TokenCounter.textOf(block.get("content")));
                default -> {
                }
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- validation

    /** What is wrong with the request body, worded like Anthropic, or {@code null} when it is valid. */
    private static String validate(JsonNode body) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            return "model: Field required";
        }
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            return "max_tokens: Field required";
        }
        if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt()) {
            return "max_tokens: Input should be a valid integer";
        }
        if (maxTokens.asInt() < 1) {
            return "max_tokens: Input should be greater than or equal to 1";
        }
        String problem = validateMessages(body.get("messages"));
        if (problem == null) {
            problem = validateSystem(body.get("system"));
        }
        if (problem == null) {
            problem = validateSampling(body);
        }
        if (problem == null) {
            problem = validateTools(body);
        }
        return problem;
    }

    private static String validateMessages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            return "messages: Field required";
        }
        if (!messages.isArray()) {
            return "messages: Input should be a valid list";
        }
        if (messages.isEmpty()) {
            return "messages: at least one message is required";
        }
        String previous = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText();
            if (!role.equals("user") && !role.equals("assistant")) {
                return "messages." + i + ".role: Input should be 'user' or 'assistant'";
            }
            if (i == 0 && !role.equals("user")) {
                return "messages: first message must use the \"user\" role";
            }
            if (role.equals(previous)) {
                return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \""
                        + role + "\" roles in a row";
            }
            previous = role;
            JsonNode content = message.get("content");
            if (content == null || !(content.isTextual() || content.isArray())) {
                return "messages." + i + ".content: Input should be a valid string or list of content blocks";
            }
            for (int j = 0; content.isArray() && j < content.size(); j++) {
                String blockProblem = validateBlock(content.get(j), true);
                if (blockProblem != null) {
                    return "messages." + i + ".content." + j + "." + blockProblem;
                }
            }
        }
        return null;
    }

    /** What is wrong with one content block (path relative to it), or {@code null}; nested blocks are text or image. */
    private static String validateBlock(JsonNode block, boolean topLevel) {
        String type = block.path("type").asText();
        return switch (type) {
            case "text" -> block.path("text").isTextual() ? null : "text: Field required";
            case "image" -> validateImageSource(block.path("source"));
            case "tool_use" -> topLevel ? validateToolUse(block) : unexpectedBlock(type);
            case "tool_result" -> topLevel ? validateToolResult(block) : unexpectedBlock(type);
            default -> topLevel && UNCHECKED_BLOCKS.contains(type) ? null : unexpectedBlock(type);
        };
    }

    private static String validateImageSource(JsonNode source) {
        return switch (source.path("type").asText()) {
            case "base64" -> !IMAGE_TYPES.contains(source.path("media_type").asText())
                    ? "source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
                    : source.path("data").isTextual() ? null : "source.data: Field required";
            case "url" -> source.path("url").isTextual() ? null : "source.url: Field required";
            default -> "source: Input should be a base64 or url image source";
        };
    }

    private static String validateToolUse(JsonNode block) {
        if (!block.path("id").isTextual()) {
            return "id: Field required";
        }
        if (!block.path("name").isTextual()) {
            return "name: Field required";
        }
        return block.path("input").isObject() ? null : "input: Input should be a valid dictionary";
    }

    private static String validateToolResult(JsonNode block) {
        if (!block.path("tool_use_id").isTextual()) {
            return "tool_use_id: Field required";
        }
        JsonNode content = block.get("content");
        if (content != null && !content.isNull() && !content.isTextual()) {
            if (!content.isArray()) {
                return "content: Input should be a valid string or list of content blocks";
            }
            for (int k = 0; k < content.size(); k++) {
                String problem = validateBlock(content.get(k), false);
                if (problem != null) {
                    return "content." + k + "." + problem;
                }
            }
        }
        JsonNode isError = block.get("is_error");
        return isError == null || isError.isNull() || isError.isBoolean() ? null
                : "is_error: Input should be a valid boolean";
    }

    private static String unexpectedBlock(String type) {
        return "type: Input tag '" + type + "' does not match any of the expected content block types";
    }

    private static String validateSystem(JsonNode system) {
        if (system == null || system.isNull() || system.isTextual()) {
            return null;
        }
        if (system.isArray()) {
            for (JsonNode block : system) {
                if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
                    return "system: Input should be a valid list of text blocks";
                }
            }
            return null;
        }
        return "system: Input should be a valid string or list of text blocks";
    }

    private static String validateSampling(JsonNode body) {
        String problem = range(body, "temperature", 0, 1);
        if (problem == null) {
            problem = range(body, "top_p", 0, 1);
        }
        JsonNode topK = body.get("top_k");
        if (problem == null && topK != null && !topK.isNull() && (!topK.isIntegralNumber() || topK.asLong() < 0)) {
            problem = "top_k: Input should be a non-negative integer";
        }
        JsonNode stops = body.get("stop_sequences");
        if (problem == null && stops != null && !stops.isNull()) {
            boolean valid = stops.isArray();
            for (JsonNode stop : valid ? stops : List.<JsonNode>of()) {
                valid &= stop.isTextual();
            }
            if (!valid) {
                problem = "stop_sequences: Input should be a valid list of strings";
            }
        }
        JsonNode stream = body.get("stream");
        if (problem == null && stream != null && !stream.isNull() && !stream.isBoolean()) {
            problem = "stream: Input should be a valid boolean";
        }
        JsonNode metadata = body.get("metadata");
        if (problem == null && metadata != null && !metadata.isNull() && !metadata.isObject()) {
            problem = "metadata: Input should be a valid dictionary";
        }
        return problem;
    }

    private static String range(JsonNode body, String name, double min, double max) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            return name + ": Input should be a valid number";
        }
        if (value.asDouble() > max) {
            return name + ": Input should be less than or equal to " + (int) max;
        }
        if (value.asDouble() < min) {
            return name + ": Input should be greater than or equal to " + (int) min;
        }
        return null;
    }

    private static String validateTools(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                return "tools: Input should be a valid list";
            }
            for (int i = 0; i < tools.size(); i++) {
                if (!tools.get(i).path("name").isTextual()) {
                    return "tools." + i + ".name: Field required";
                }
                if (!tools.get(i).path("input_schema").isObject()) {
                    return "tools." + i + ".input_schema: Field required";
                }
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (!choice.isObject() || !TOOL_CHOICES.contains(choice.path("type").asText())) {
            return "tool_choice: Input tag '" + choice.path("type").asText()
                    + "' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
        }
        if ("tool".equals(choice.get("type").asText())) {
            String name = choice.path("name").asText();
            if (tools == null || !tools.isArray() || namedTool(tools, name) == null) {
                return "tool_choice: tool '" + name + "' was not found in tools";
            }
        }
        return null;
    }
}
