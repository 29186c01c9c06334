package io.nexusai.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.ChatRequests;
import io.nexusai.gateway.provider.ProviderBodies;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenAI chat completions to AWS Bedrock's Converse API ({@code POST <endpoint>/model/<model id>/converse}, or
 * {@code /converse-stream} for a stream) and back. The request is signed by the credential strategy (SigV4), not
 * here.
 *
 * <p>Request: system and developer messages become {@code system} text blocks; user and assistant messages
 * {@code messages} with content blocks — text, images given as base64 data URLs ({@code image} blocks of format
 * png, jpeg, gif or webp; Bedrock does not fetch URLs), assistant {@code tool_calls} {@code toolUse} blocks and
 * {@code tool} messages {@code toolResult} blocks in a user turn; consecutive turns of one role are merged, since
 * Converse needs them to alternate, starting with the user. {@code max_completion_tokens}/{@code max_tokens},
 * {@code temperature}, {@code top_p} and {@code stop} go to {@code inferenceConfig}; {@code tools} to
 * {@code toolConfig.tools} ({@code toolSpec} with the parameters as {@code inputSchema.json}) and {@code tool_choice}
 * to {@code toolChoice} ({@code auto}, {@code any} for required, {@code tool} for a named function; for
 * {@code none} the tools are left out unless the conversation already holds tool blocks, which Bedrock only accepts
 * with a {@code toolConfig}). {@code n > 1} is refused (Converse returns one message); fields without a counterpart
 * ({@code logprobs}, {@code seed}, penalties, {@code user}, ...) are dropped. Structured output: {@code response_format}
 * {@code json_schema} (or {@code json_object}) becomes one tool whose {@code inputSchema.json} is the schema
 * ({@link ChatRequests#answerTool}), forced with {@code toolChoice.tool} (which every Claude model on Bedrock
 * supports); its call comes back as the message's text (the JSON of its input, streamed from its {@code toolUse.input}
 * deltas) with {@code finish_reason} {@code stop}; beside the client's own {@code tools} it is refused with a 400. With the
 * provider setting {@code prompt_cache=system}, a {@code cachePoint} block follows the system prompt, so that Bedrock
 * caches it (prompt caching; its cache reads and writes come back in the usage and are priced at their own rates).
 *
 * <p>Responses and streams come back as {@code chat.completion} and {@code chat.completion.chunk} objects with the
 * alias as {@code model} and the AWS request id in their id; a stream ends with a usage-only chunk. One instance
 * per request: it keeps the stream state.
 */
public final class OpenAiToBedrockChatTranslator implements Translator {
    /** Provider setting: {@code system} puts a prompt-cache point after the system prompt. */
    static final String PROMPT_CACHE = "prompt_cache";
    static final String PROMPT_CACHE_SYSTEM = "system";
    private static final Map<String, String> IMAGE_FORMATS = Map.of("image/png", "png", "image/jpeg", "jpeg", "image/jpg", "jpeg",
            "image/gif", "gif", "image/webp", "webp");

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final BedrockEventStream events;
    private String requestId;
    /** The tool that carries a structured answer ({@code response_format}), or {@code null}. */
    private ChatRequests.AnswerTool answer;

    public OpenAiToBedrockChatTranslator(ObjectMapper mapper, Deployment deployment, String alias) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.events = new BedrockEventStream(mapper, deployment, alias);
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        JsonNode n = clientBody.get("n");
        if (n != null && n.isNumber() && n.asLong() > 1) {
            throw ApiException.badRequest("Invalid 'n': this model returns exactly one choice, so 'n' must be 1.", "n");
        }
        ObjectNode out = mapper.createObjectNode();
        JsonNode messages = clientBody.path("messages");
        List<String> system = new ArrayList<>();
        List<ObjectNode> turns = new ArrayList<>();
        boolean toolBlocks = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String at = "messages[" + i + "]";
            String role = message.path("role").asText();
            if (!role.equals("system") && !role.equals("developer") && turns.isEmpty() && !role.equals("user")) {
                throw ApiException.badRequest("Invalid '" + at + "': this model needs the conversation (after any system "
                        + "or developer messages) to start with a user message, not '" + role + "'.", at + ".role");
            }
            switch (role) {
                case "system", "developer" -> system.addAll(ChatRequests.texts(message.get("content"), at + ".content", false));
                case "user" -> add(turns, "user", userContent(message, at));
                case "assistant" -> {
                    ArrayNode content = assistantContent(message, at);
                    toolBlocks |= message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty();
                    add(turns, "assistant", content);
                }
                case "tool" -> {
                    add(turns, "user", toolResult(message, at));
                    toolBlocks = true;
                }
                default -> throw ApiException.badRequest("Invalid value for '" + at + ".role': '" + role
                        + "' is not supported by this model; use 'system', 'developer', 'user', 'assistant' or 'tool'.", at + ".role");
            }
        }
        if (turns.isEmpty()) {
            throw ApiException.badRequest("Invalid 'messages': at least one user message is required.", "messages");
        }
        ArrayNode messagesOut = out.putArray("messages");
        turns.forEach(messagesOut::add);
        system.removeIf(String::isEmpty);
        if (!system.isEmpty()) {
            ArrayNode blocks = out.putArray("system");
            system.forEach(text -> blocks.addObject().put("text", text));
            if (PROMPT_CACHE_SYSTEM.equals(deployment.settings().get(PROMPT_CACHE))) {
                blocks.addObject().putObject("cachePoint").put("type", "default");
            }
        }
        ObjectNode inference = inferenceConfig(clientBody);
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        toolConfig(clientBody, toolBlocks, out);
        answer = ChatRequests.answerTool(mapper, clientBody);
        if (answer != null) {
            ObjectNode config = out.putObject("toolConfig");
            ObjectNode spec = config.putArray("tools").addObject().putObject("toolSpec");
            spec.put("name", answer.name());
            spec.put("description", answer.description());
            spec.putObject("inputSchema").set("json", answer.schema());
            config.putObject("toolChoice").putObject("tool").put("name", answer.name());
            events.answerTool(answer.name());
        }
        return new UpstreamRequest(BedrockWire.url(deployment, stream), ProviderBodies.bytes(mapper, out),
                Map.of("Accept", stream ? BedrockWire.EVENT_STREAM : "application/json"));
    }

    @Override
    public void responseHeaders(int status, MultiMap headers) {
        requestId = headers.get("x-amzn-RequestId");
        events.requestId(requestId);
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode response = ProviderBodies.parseObject(mapper, body.getBytes());
        JsonNode message = response == null ? null : response.path("output").path("message");
        if (message == null || !message.path("content").isArray()) {
            throw BedrockWire.invalid(deployment, "a body that is not a valid Converse response");
        }
        ObjectNode out = ProviderBodies.completion(mapper, "chatcmpl-" + (requestId == null ? "bedrock" : requestId), alias);
        StringBuilder text = null;
        ArrayNode toolCalls = mapper.createArrayNode();
        for (JsonNode block : message.get("content")) {
            if (answer == null && block.path("text").isTextual()) {
                text = (text == null ? new StringBuilder() : text).append(block.get("text").asText());
            } else if (block.path("toolUse").isObject() && answer != null) {
                JsonNode use = block.get("toolUse");
                if (answer.name().equals(use.path("name").asText())) {
                    JsonNode input = use.get("input");
                    text = new StringBuilder(ChatRequests.json(mapper, input == null || input.isNull() ? mapper.createObjectNode() : input));
                }
            } else if (block.path("toolUse").isObject()) {
                JsonNode use = block.get("toolUse");
                ObjectNode call = toolCalls.addObject();
                call.put("id", use.path("toolUseId").asText());
                call.put("type", "function");
                JsonNode input = use.get("input");
                call.putObject("function").put("name", use.path("name").asText())
                        .put("arguments", ChatRequests.json(mapper, input == null || input.isNull() ? mapper.createObjectNode() : input));
            }
            // reasoningContent, citations and guard content have no place in a chat completion
        }
        JsonNode stopReason = response.path("stopReason");
        String reason = stopReason.isTextual() ? stopReason.asText() : null;
        // a call of the answer tool is the answer: it stops rather than calls
        ProviderBodies.addChoice(out, 0, text, toolCalls, answer != null && "tool_use".equals(reason) ? "stop" : BedrockWire.finishReason(reason));
        TokenUsage usage = BedrockWire.usage(response.get("usage"));
        BedrockWire.putUsage(out, usage);
        return new Translated(out, usage == null ? TokenUsage.NONE : usage);
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return events.feed(piece, endOfStream);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return BedrockWire.error(mapper, deployment, status, body, headers);
    }

    // ---- request ----

    /** Appends a turn, merging it into the previous one when both have the same role. */
    private void add(List<ObjectNode> turns, String role, ArrayNode content) {
        ChatRequests.addTurn(mapper, turns, role, "content", content);
    }

    private ArrayNode userContent(JsonNode message, String at) {
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".content'.", at + ".content");
        }
        ArrayNode blocks = mapper.createArrayNode();
        if (content.isTextual()) {
            text(blocks, content.asText());
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + ".content[" + j + "]";
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> text(blocks, ChatRequests.text(part, "text", partAt));
                case "image_url" -> blocks.add(image(part, partAt));
                default -> throw ChatRequests.unsupportedPart(type, partAt, "text and image_url");
            }
        }
        return blocks;
    }

    /** A text block; Bedrock refuses blank ones, so empty text adds none. */
    private static void text(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("text", text);
        }
    }

    private ObjectNode image(JsonNode part, String at) {
        ChatRequests.DataUrl data = ChatRequests.imageData(part, at);
        String format = IMAGE_FORMATS.get(data.mediaType().toLowerCase());
        if (format == null) {
            throw ApiException.badRequest("Invalid '" + at + ".image_url.url': this model takes PNG, JPEG, GIF and WebP images, not '"
                    + data.mediaType() + "'.", at);
        }
        ObjectNode block = mapper.createObjectNode();
        ObjectNode image = block.putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", data.base64());
        return block;
    }

    /** The assistant's text and its tool calls as {@code toolUse} blocks. */
    private ArrayNode assistantContent(JsonNode message, String at) {
        ArrayNode blocks = mapper.createArrayNode();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            text(blocks, content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String partAt = at + ".content[" + j + "]";
                String type = part.path("type").asText();
                switch (type) {
                    case "text" -> text(blocks, ChatRequests.text(part, "text", partAt));
                    case "refusal" -> text(blocks, ChatRequests.text(part, "refusal", partAt));
                    default -> throw ChatRequests.unsupportedPart(type, partAt, "text and refusal");
                }
            }
        }
        JsonNode toolCalls = message.get("tool_calls");
        for (int k = 0; toolCalls != null && toolCalls.isArray() && k < toolCalls.size(); k++) {
            ChatRequests.ToolCall call = ChatRequests.toolCall(mapper, toolCalls.get(k), at + ".tool_calls[" + k + "]");
            ObjectNode use = blocks.addObject().putObject("toolUse");
            use.put("toolUseId", call.id());
            use.put("name", call.name());
            use.set("input", call.arguments());
        }
        return blocks;
    }

    private ArrayNode toolResult(JsonNode message, String at) {
        JsonNode id = message.get("tool_call_id");
        if (id == null || !id.isTextual()) {
            throw ApiException.badRequest("Missing required parameter: '" + at + ".tool_call_id'.", at + ".tool_call_id");
        }
        String text = String.join("\n\n", ChatRequests.texts(message.get("content"), at + ".content", true));
        ArrayNode blocks = mapper.createArrayNode();
        ObjectNode result = blocks.addObject().putObject("toolResult");
        result.put("toolUseId", id.asText());
        ArrayNode content = result.putArray("content");
        text(content, text);
        return blocks;
    }

    /** {@code inferenceConfig}: token limit, sampling and stop sequences. */
    private ObjectNode inferenceConfig(ObjectNode client) {
        ObjectNode config = mapper.createObjectNode();
        long max = ChatRequests.maxTokens(client);
        if (max > 0) {
            config.put("maxTokens", max);
        }
        JsonNode temperature = client.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            config.set("temperature", temperature);
        }
        JsonNode topP = client.get("top_p");
        if (topP != null && topP.isNumber()) {
            config.set("topP", topP);
        }
        List<String> stops = ChatRequests.stops(client);
        if (!stops.isEmpty()) {
            ArrayNode sequences = config.putArray("stopSequences");
            stops.forEach(sequences::add);
        }
        return config;
    }

    /** {@code tools} and {@code tool_choice} as {@code toolConfig}. */
    private void toolConfig(ObjectNode client, boolean toolBlocks, ObjectNode out) {
        List<ChatRequests.FunctionTool> tools = ChatRequests.tools(client.get("tools"));
        ChatRequests.ToolChoice choice = ChatRequests.toolChoice(client.get("tool_choice"), !tools.isEmpty());
        boolean none = choice != null && choice.mode().equals("none");
        if (tools.isEmpty() || (none && !toolBlocks)) {
            return;
        }
        ObjectNode config = out.putObject("toolConfig");
        ArrayNode specs = config.putArray("tools");
        for (ChatRequests.FunctionTool tool : tools) {
            ObjectNode spec = specs.addObject().putObject("toolSpec");
            spec.put("name", tool.name());
            if (tool.description() != null) {
                spec.put("description", tool.description());
            }
            ObjectNode schema = tool.parameters() != null ? tool.parameters()
                    : mapper.createObjectNode().put("type", "object").set("properties", mapper.createObjectNode());
            spec.putObject("inputSchema").set("json", schema);
        }
        if (choice != null) {
            switch (choice.mode()) {
                case "auto" -> config.putObject("toolChoice").putObject("auto");
                case "required" -> config.putObject("toolChoice").putObject("any");
                case "function" -> config.putObject("toolChoice").putObject("tool").put("name", choice.function());
                default -> {
                    // none: no toolChoice (Converse has no "none"), the tools are there for the history's tool blocks
                }
            }
        }
    }
}
