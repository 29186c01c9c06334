package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ChatRequests;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.nexusai.gateway.provider.ChatRequests.texts;
import static io.nexusai.gateway.provider.ChatRequests.unsupportedPart;

/**
 * OpenAI chat completions to the Anthropic Messages API ({@code POST <endpoint>/v1/messages}) and back.
 *
 * <p>Request: system and developer messages become the top-level {@code system}; text and image parts become
 * content blocks; assistant {@code tool_calls} become {@code tool_use} blocks and {@code tool} messages
 * {@code tool_result} blocks; consecutive turns of the same role are merged, since Anthropic needs user and
 * assistant turns to alternate. {@code max_completion_tokens}/{@code max_tokens} (Anthropic requires one; the
 * provider setting {@code default_max_tokens} or {@value AnthropicWire#DEFAULT_MAX_TOKENS} otherwise),
 * {@code stop}, {@code temperature} (clamped to 0..1), {@code top_p}, {@code user}, {@code tools},
 * {@code tool_choice} and {@code parallel_tool_calls} are mapped; {@code n > 1} is refused; fields Anthropic has
 * no counterpart for ({@code logprobs}, {@code seed}, penalties, ...) are dropped. The provider setting
 * {@code anthropic_version} picks the {@code anthropic-version} header (default {@value AnthropicWire#DEFAULT_VERSION}).
 *
 * <p>Structured output: {@code response_format} {@code json_schema} (or {@code json_object}) becomes one tool whose
 * {@code input_schema} is the schema ({@link ChatRequests#answerTool}), forced with {@code tool_choice}
 * {@code {"type":"tool"}} — which every Claude model supports; the model's call of it comes back as the message's
 * text (the JSON of its input, streamed from its {@code input_json_delta}s) with {@code finish_reason} {@code stop}.
 * Beside the client's own {@code tools} it is refused with a 400.
 *
 * <p>Responses and streams come back as {@code chat.completion} and {@code chat.completion.chunk} objects with
 * the alias as {@code model}; a stream always ends with a usage-only chunk.
 *
 * <p>One instance per request: it keeps the stream state (partial SSE event, message id, open tool calls,
 * usage so far) and is never shared.
 */
public final class OpenAiToAnthropicChatTranslator implements Translator {
    private static final String API = "chat.completions";
    private static final Pattern DATA_URL = Pattern.compile("data:([^;,]+);base64,(.*)", Pattern.DOTALL);

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final AnthropicEventStream events;
    /** The tool that carries a structured answer ({@code response_format}), or {@code null}. */
    private ChatRequests.AnswerTool answer;

    public OpenAiToAnthropicChatTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.events = new AnthropicEventStream(mapper, deployment, alias, "chatcmpl-", "chat.completion.chunk", API, new ChatSink());
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode out = AnthropicWire.messagesRequest(mapper, deployment, clientBody);
        JsonNode messages = clientBody.path("messages");
        List<String> system = new ArrayList<>();
        List<ObjectNode> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String at = "messages[" + i + "]";
            String role = message.path("role").asText();
            if (!role.equals("system") && !role.equals("developer") && turns.isEmpty() && !role.equals("user")) {
                throw ApiException.badRequest("Invalid '" + at + "': this model needs the conversation (after any system "
                        + "or developer messages) to start with a user message, not '" + role + "'.", at + ".role");
            }
            switch (role) {
                case "system", "developer" -> system.addAll(texts(message.get("content"), at + ".content", false));
                case "user" -> add(turns, "user", userContent(message, at));
                case "assistant" -> {
                    JsonNode content = assistantContent(message, at);
                    if (content != null) {
                        add(turns, "assistant", content);
                    }
                }
                case "tool" -> add(turns, "user", toolResult(message, at));
                default -> throw ApiException.badRequest("Invalid value for '" + at + ".role': '" + role
                        + "' is not supported by this model; use 'system', 'developer', 'user', 'assistant' or 'tool'.", at + ".role");
            }
        }
        if (turns.isEmpty()) {
            throw ApiException.badRequest("Invalid 'messages': at least one user message is required.", "messages");
        }
        system.removeIf(String::isEmpty);
        if (!system.isEmpty()) {
            out.put("system", String.join("\n\n", system));
        }
        ArrayNode messagesOut = out.putArray("messages");
        turns.forEach(messagesOut::add);
        tools(clientBody, out);
        answer = ChatRequests.answerTool(mapper, clientBody);
        if (answer != null) {
            ObjectNode tool = out.putArray("tools").addObject();
            tool.put("name", answer.name());
            tool.put("description", answer.description());
            tool.set("input_schema", answer.schema());
            out.putObject("tool_choice").put("type", "tool").put("name", answer.name());
        }
        AnthropicWire.sampling(clientBody, out, stream);
        return AnthropicWire.upstream(mapper, deployment, out);
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode message = AnthropicWire.parseMessage(mapper, deployment, body, API);
        ObjectNode out = mapper.createObjectNode();
        out.put("id", "chatcmpl-" + message.path("id").asText());
        out.put("object", "chat.completion");
        out.put("created", AnthropicWire.now());
        out.put("model", alias);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode reply = choice.putObject("message");
        reply.put("role", "assistant");
        reply.put("content", answer == null ? AnthropicWire.text(message) : null);
        reply.putNull("refusal");
        ArrayNode toolCalls = null;
        for (JsonNode block : message.path("content")) {
            if (answer != null) {
                if ("tool_use".equals(block.path("type").asText()) && answer.name().equals(block.path("name").asText())) {
                    reply.put("content", json(block.has("input") ? block.get("input") : mapper.createObjectNode()));
                }
            } else if ("tool_use".equals(block.path("type").asText())) {
                if (toolCalls == null) {
                    toolCalls = reply.putArray("tool_calls");
                }
                ObjectNode call = toolCalls.addObject();
                call.put("id", block.path("id").asText());
                call.put("type", "function");
                ObjectNode function = call.putObject("function");
                function.put("name", block.path("name").asText());
                function.put("arguments", json(block.has("input") ? block.get("input") : mapper.createObjectNode()));
            }
        }
        choice.putNull("logprobs");
        JsonNode stopReason = message.path("stop_reason");
        choice.put("finish_reason", finishReason(stopReason.isTextual() ? stopReason.asText() : null));
        var usage = AnthropicWire.usage(message);
        AnthropicWire.putUsage(out, usage);
        return new Translated(out, usage);
    }

    /** OpenAI's {@code finish_reason}; a call of the answer tool is the answer, so it stops rather than calls. */
    private String finishReason(String stopReason) {
        return answer != null && "tool_use".equals(stopReason) ? "stop" : AnthropicWire.finishReason(stopReason);
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return events.feed(piece, endOfStream);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return AnthropicWire.error(mapper, deployment, status, body, headers);
    }

    // ---- request ----

    /** Appends a turn, merging it into the previous one when both have the same role. */
    private void add(List<ObjectNode> turns, String role, JsonNode content) {
        ObjectNode last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.path("role").asText().equals(role)) {
            ArrayNode merged = blocks(last.get("content"));
            merged.addAll(blocks(content));
            last.set("content", merged);
            return;
        }
        ObjectNode turn = mapper.createObjectNode();
        turn.put("role", role);
        turn.set("content", content);
        turns.add(turn);
    }

    private ArrayNode blocks(JsonNode content) {
        if (content.isArray()) {
            return ((ArrayNode) content).deepCopy();
        }
        ArrayNode blocks = mapper.createArrayNode();
        if (!content.asText().isEmpty()) {
            blocks.addObject().put("type", "text").put("text", content.asText());
        }
        return blocks;
    }

    private JsonNode userContent(JsonNode message, String at) {
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".content'.", at + ".content");
        }
        if (content.isTextual()) {
            return content;
        }
        ArrayNode blocks = mapper.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + ".content[" + j + "]";
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> blocks.add(textBlock(part, partAt));
                case "image_url" -> blocks.add(imageBlock(part, partAt));
                default -> throw unsupportedPart(type, partAt, "text and image_url");
            }
        }
        return blocks;
    }

    private ObjectNode imageBlock(JsonNode part, String at) {
        JsonNode image = part.get("image_url");
        String url = image == null ? null : image.isTextual() ? image.asText() : image.path("url").isTextual() ? image.path("url").asText() : null;
        if (url == null) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".image_url.url'.", at);
        }
        ObjectNode block = mapper.createObjectNode();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        Matcher data = DATA_URL.matcher(url);
        if (data.matches()) {
            source.put("type", "base64");
            source.put("media_type", data.group(1));
            source.put("data", data.group(2));
        } else if (url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7)) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw ApiException.badRequest("Invalid '" + at + ".image_url.url': expected an http(s) URL or a base64 data URL "
                    + "(data:<media type>;base64,<data>).", at);
        }
        return block;
    }

    /** The assistant's text and tool calls as content, or {@code null} when it has neither. */
    private JsonNode assistantContent(JsonNode message, String at) {
        JsonNode content = message.get("content");
        JsonNode toolCalls = message.get("tool_calls");
        boolean hasCalls = toolCalls != null && toolCalls.isArray() && !toolCalls.isEmpty();
        ArrayNode blocks = mapper.createArrayNode();
        if (content != null && content.isTextual()) {
            if (!hasCalls) {
                return content.asText().isEmpty() ? null : content;
            }
            if (!content.asText().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.asText());
            }
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String partAt = at + ".content[" + j + "]";
                String type = part.path("type").asText();
                switch (type) {
                    case "text" -> blocks.add(textBlock(part, partAt));
                    case "refusal" -> {
                        if (!part.path("refusal").isTextual()) {
                            throw ApiException.badRequest("Invalid '" + partAt + ".refusal': expected a string.", partAt);
                        }
                        blocks.addObject().put("type", "text").put("text", part.get("refusal").asText());
                    }
                    default -> throw unsupportedPart(type, partAt, "text and refusal");
                }
            }
        }
        if (hasCalls) {
            for (int k = 0; k < toolCalls.size(); k++) {
                blocks.add(toolUse(toolCalls.get(k), at + ".tool_calls[" + k + "]"));
            }
        }
        return blocks.isEmpty() ? null : blocks;
    }

    private ObjectNode toolUse(JsonNode call, String at) {
        String type = call.path("type").asText("function");
        if (!type.equals("function")) {
            throw ApiException.badRequest("Invalid value for '" + at + ".type': only 'function' tool calls are supported by this model.",
                    at + ".type");
        }
        if (!call.path("id").isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".id'.", at + ".id");
        }
        JsonNode function = call.path("function");
        if (!function.path("name").isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".function.name'.", at + ".function.name");
        }
        JsonNode input;
        JsonNode arguments = function.get("arguments");
        String argumentsAt = at + ".function.arguments";
        if (arguments == null || arguments.isNull() || (arguments.isTextual() && arguments.asText().isBlank())) {
            input = mapper.createObjectNode();
        } else if (!arguments.isTextual()) {
            throw ApiException.badRequest("Invalid type for '" + argumentsAt + "': expected a string of JSON.", argumentsAt);
        } else {
            try {
                input = mapper.readTree(arguments.asText());
            } catch (JsonProcessingException e) {
                input = null;
            }
            if (input == null || !input.isObject()) {
                throw ApiException.badRequest("Invalid '" + argumentsAt + "': expected a JSON object, as the model generated it.",
                        argumentsAt);
            }
        }
        ObjectNode block = mapper.createObjectNode();
        block.put("type", "tool_use");
        block.put("id", call.get("id").asText());
        block.put("name", function.get("name").asText());
        block.set("input", input);
        return block;
    }

    private ArrayNode toolResult(JsonNode message, String at) {
        JsonNode id = message.get("tool_call_id");
        if (id == null || !id.isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".tool_call_id'.", at + ".tool_call_id");
        }
        String text = String.join("\n\n", texts(message.get("content"), at + ".content", true));
        ArrayNode blocks = mapper.createArrayNode();
        ObjectNode result = blocks.addObject();
        result.put("type", "tool_result");
        result.put("tool_use_id", id.asText());
        if (!text.isEmpty()) {
            result.put("content", text);
        }
        return blocks;
    }

    private ObjectNode textBlock(JsonNode part, String at) {
        if (!part.path("text").isTextual()) {
            throw ApiException.badRequest("Invalid '" + at + ".text': expected a string.", at);
        }
        ObjectNode block = mapper.createObjectNode();
        block.put("type", "text");
        block.put("text", part.get("text").asText());
        return block;
    }

    /** {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}, read as every chat translator reads them ({@link ChatRequests}). */
    private void tools(ObjectNode client, ObjectNode out) {
        List<ChatRequests.FunctionTool> tools = ChatRequests.tools(client.get("tools"));
        ChatRequests.ToolChoice choice = ChatRequests.toolChoice(client.get("tool_choice"), !tools.isEmpty());
        if (tools.isEmpty()) {
            return;
        }
        ArrayNode toolsOut = out.putArray("tools");
        for (ChatRequests.FunctionTool tool : tools) {
            ObjectNode toolOut = toolsOut.addObject().put("name", tool.name());
            if (tool.description() != null) {
                toolOut.put("description", tool.description());
            }
            if (tool.parameters() != null) {
                toolOut.set("input_schema", tool.parameters());
            } else {
                toolOut.putObject("input_schema").put("type", "object").putObject("properties");
            }
        }
        JsonNode parallel = client.get("parallel_tool_calls");
        boolean serial = parallel != null && parallel.isBoolean() && !parallel.asBoolean();
        if (choice == null && !serial) {
            return;
        }
        String mode = choice == null ? "auto" : choice.mode();
        ObjectNode choiceOut = out.putObject("tool_choice");
        switch (mode) {
            case "none" -> choiceOut.put("type", "none");
            case "required" -> choiceOut.put("type", "any");
            case "function" -> choiceOut.put("type", "tool").put("name", choice.function());
            default -> choiceOut.put("type", "auto");
        }
        if (serial && !mode.equals("none")) {
            choiceOut.put("disable_parallel_tool_use", true);
        }
    }

    private String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    // ---- stream ----

    /** Anthropic content events as {@code chat.completion.chunk} deltas. */
    private final class ChatSink implements AnthropicEventStream.Sink {
        /** Anthropic content block index → OpenAI tool call index. */
        private final Map<Integer, Integer> toolCalls = new HashMap<>();
        /** The content block index of the answer tool's call, or -1. */
        private int answerBlock = -1;

        @Override
        public void messageStart(List<ObjectNode> out) {
            ObjectNode delta = mapper.createObjectNode();
            delta.put("role", "assistant");
            delta.put("content", "");
            out.add(chunk(delta, null));
        }

        @Override
        public void blockStart(int index, JsonNode block, List<ObjectNode> out) {
            if (answer != null) {
                // only the answer tool's input is the message; its name and id are the gateway's business
                if ("tool_use".equals(block.path("type").asText()) && answer.name().equals(block.path("name").asText())) {
                    answerBlock = index;
                }
                return;
            }
            switch (block.path("type").asText()) {
                case "text" -> {
                    String text = block.path("text").asText();
                    if (!text.isEmpty()) {
                        out.add(text(text));
                    }
                }
                case "tool_use" -> {
                    int call = toolCalls.size();
                    toolCalls.put(index, call);
                    ObjectNode delta = mapper.createObjectNode();
                    ObjectNode toolCall = delta.putArray("tool_calls").addObject();
                    toolCall.put("index", call);
                    toolCall.put("id", block.path("id").asText());
                    toolCall.put("type", "function");
                    toolCall.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                    out.add(chunk(delta, null));
                }
                default -> {
                    // thinking, server tool blocks: no chat completions counterpart
                }
            }
        }

        @Override
        public void blockDelta(int index, JsonNode delta, List<ObjectNode> out) {
            if (answer != null) {
                String partial = delta.path("partial_json").asText();
                if (index == answerBlock && "input_json_delta".equals(delta.path("type").asText()) && !partial.isEmpty()) {
                    out.add(text(partial));
                }
                return;
            }
            switch (delta.path("type").asText()) {
                case "text_delta" -> {
                    String text = delta.path("text").asText();
                    if (!text.isEmpty()) {
                        out.add(text(text));
                    }
                }
                case "input_json_delta" -> {
                    Integer call = toolCalls.get(index);
                    String partial = delta.path("partial_json").asText();
                    if (call != null && !partial.isEmpty()) {
                        ObjectNode d = mapper.createObjectNode();
                        ObjectNode toolCall = d.putArray("tool_calls").addObject();
                        toolCall.put("index", call);
                        toolCall.putObject("function").put("arguments", partial);
                        out.add(chunk(d, null));
                    }
                }
                default -> {
                    // thinking, signature and citation deltas are not part of chat completions
                }
            }
        }

        @Override
        public void messageDelta(String stopReason, List<ObjectNode> out) {
            out.add(chunk(mapper.createObjectNode(), finishReason(stopReason)));
        }

        private ObjectNode text(String text) {
            ObjectNode delta = mapper.createObjectNode();
            delta.set("content", TextNode.valueOf(text));
            return chunk(delta, null);
        }

        private ObjectNode chunk(ObjectNode delta, String finishReason) {
            ObjectNode chunk = events.chunk();
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            return chunk;
        }
    }
}
