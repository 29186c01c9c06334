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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * OpenAI's REST API: {@code POST /v1/chat/completions}, {@code /v1/completions} (legacy) and {@code /v1/embeddings},
 * answered or streamed in OpenAI's wire format with real o200k_base token counts. The same answers serve Azure
 * OpenAI's deployments (see {@link AzureApi}), shaped by a {@link Variant}.
 *
 * <p>Usage: chat {@code prompt_tokens} are {@link TokenCounter#countMessages} of the messages, plus the tokens of
 * the compact JSON of {@code tools} when there are tools; {@code completion_tokens} are the tokens of the reply
 * text, or of each called tool's name + arguments, summed over the {@code n} choices. Legacy completions count the prompt's tokens (summed over an
 * array of prompts; a token-id prompt counts its length). Embeddings count each input's tokens, summed.
 *
 * <p>Cache and reasoning, deterministically, from real OpenAI request fields: a chat request with a
 * {@code prompt_cache_key} is answered as if its prompt prefix were cached — every message but the last —
 * {@code usage.prompt_tokens_details.cached_tokens} = {@link TokenCounter#countMessages} of those messages (part of
 * {@code prompt_tokens}, as at OpenAI); a chat request with {@code reasoning_effort} {@code minimal|low|medium|high}
 * spends {@value #REASONING_PER_EFFORT_UNIT} × 0/1/4/16 reasoning tokens per choice, reported in
 * {@code usage.completion_tokens_details.reasoning_tokens} and included in {@code completion_tokens} (not in the
 * text). The details objects appear only then.
 */
final class OpenAiApi {
    /** The {@code system_fingerprint} of every chat answer. */
    static final String FINGERPRINT = "fp_nexus_mock";
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final int MAX_EMBEDDING_INPUTS = 2048;
    /** Reasoning tokens per choice at {@code reasoning_effort: low}; medium is 4×, high 16×, minimal none. */
    static final int REASONING_PER_EFFORT_UNIT = 16;

    private final MockState mock;

    OpenAiApi(MockState mock) {
        this.mock = mock;
    }

    /**
     * Who answers: OpenAI itself, or an Azure deployment, whose answers name the deployment as their model and
     * carry content-filter annotations.
     *
     * @param deployment the Azure deployment, or {@code null} for OpenAI
     */
    record Variant(String deployment) {
        static final Variant OPENAI = new Variant(null);

        boolean azure() {
            return deployment != null;
        }
    }

    void register(Router router) {
        router.post("/v1/chat/completions").handler(ctx -> handle(ctx, this::chat));
        router.post("/v1/completions").handler(ctx -> handle(ctx, this::completions));
        router.post("/v1/embeddings").handler(ctx -> handle(ctx, this::embeddings));
    }

    /** Opens, authenticates (OpenAI's Bearer key) and runs one call of an OpenAI API, faults applied. */
    void handle(RoutingContext ctx, BiConsumer<ApiCall, Variant> answer) {
        ApiCall call = ApiCall.open(ctx, mock, ErrorFormat.OPENAI, null);
        if (call == null) {
            return;
        }
        if (mock.apiKey() != null && !("Bearer " + mock.apiKey()).equals(call.header("Authorization"))) {
            call.error(401, ErrorFormat.openAi("Incorrect API key provided.", "invalid_request_error", null,
                    "invalid_api_key"));
            return;
        }
        call.run(() -> answer.accept(call, Variant.OPENAI));
    }

    // ---------------------------------------------------------------- chat completions

    /** Answers a chat-completions request. */
    void chat(ApiCall call, Variant variant) {
        JsonNode body = call.body();
        String model = answerModel(call, variant);
        if (model == null) {
            return;
        }
        ChatAnswer answer = answer(call, body, model);
        if (answer == null) {
            return;
        }
        Envelope envelope = new Envelope(Ids.random("chatcmpl-", 29), "chat.completion.chunk", model, true,
                includeUsage(body), variant.azure());
        if (body.path("stream").asBoolean(false)) {
            call.stream(chatEvents(envelope, answer.completions(), answer.options(), answer.usage()));
        } else {
            call.reply(chatObject(envelope, answer.completions(), answer.options(), answer.usage()));
        }
    }

    /**
     * What the mock answers to a chat body, before it is written in any API's format (the Responses API shares it).
     *
     * @param completions one per choice
     * @param usage       OpenAI's chat usage object ({@code prompt_tokens}, details when they apply)
     */
    record ChatAnswer(List<Completion> completions, ChatOptions options, ObjectNode usage) {
    }

    /** The answer to a chat-completions body, or {@code null} after a 400 (sent on {@code call}). */
    static ChatAnswer answer(ApiCall call, JsonNode body, String model) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            call.invalid("'messages' must be a non-empty array", "messages");
            return null;
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!ROLES.contains(messages.get(i).path("role").asText())) {
                call.invalid("Invalid value for 'messages[" + i + "].role': supported values are 'system', "
                        + "'developer', 'user', 'assistant', 'tool' and 'function'.", "messages[" + i + "].role");
                return null;
            }
        }
        JsonNode tools = body.path("tools");
        if (!tools.isMissingNode() && !tools.isNull() && !tools.isArray()) {
            call.invalid("Invalid type for 'tools': expected an array.", "tools");
            return null;
        }
        for (int i = 0; i < tools.size(); i++) {
            if (!tools.get(i).path("function").path("name").isTextual()) {
                call.invalid("Missing required parameter: 'tools[" + i + "].function.name'.",
                        "tools[" + i + "].function.name");
                return null;
            }
        }
        List<String> stops;
        try {
            stops = stopSequences(body.get("stop"));
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "stop");
            return null;
        }
        ChatOptions options;
        try {
            options = ChatOptions.of(body);
        } catch (ChatOptions.Invalid e) {
            call.invalid(e.getMessage(), e.param);
            return null;
        }
        if (options.format() != null && !options.format().jsonSchema() && !mentionsJson(messages)) {
            call.invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                    + "'json_object'.", "messages");
            return null;
        }
        List<Completion> completions = new ArrayList<>();
        for (int i = 0; i < options.n(); i++) {
            Completion completion = chatCompletion(call, body, model, messages, tools, stops, options);
            if (completion == null) {
                return null;
            }
            completions.add(completion);
        }
        int reasoningPerChoice;
        try {
            reasoningPerChoice = reasoningTokens(body.get("reasoning_effort"));
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "reasoning_effort");
            return null;
        }
        int promptTokens = TokenCounter.countMessages(messages) + (tools.isEmpty() ? 0 : TokenCounter.count(Json.write(tools)));
        int reasoning = reasoningPerChoice * options.n();
        int outputTokens = completions.stream().mapToInt(Completion::outputTokens).sum() + reasoning;
        ObjectNode usage = usage(promptTokens, outputTokens);
        if (body.path("prompt_cache_key").isTextual() && messages.size() > 1) {
            ArrayNode prefix = Json.array();
            for (int i = 0; i < messages.size() - 1; i++) {
                prefix.add(messages.get(i));
            }
            usage.putObject("prompt_tokens_details").put("cached_tokens", Math.min(promptTokens, TokenCounter.countMessages(prefix)));
        }
        if (body.hasNonNull("reasoning_effort")) {
            usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        }
        return new ChatAnswer(completions, options, usage);
    }

    /** Whether some message's text contains "json" (any case), which OpenAI requires for {@code json_object}. */
    private static boolean mentionsJson(JsonNode messages) {
        for (JsonNode message : messages) {
            if (TokenCounter.textOf(message.get("content")).toLowerCase(Locale.ROOT).contains("json")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The reply to a chat (one choice): tool calls when there are tools, the last message is the user's and
     * {@code tool_choice} is not {@code "none"} — the named tool when {@code tool_choice} names one, else one call
     * per function tool when {@code parallel_tool_calls} is not false, else the first tool; the tool result when
     * the last message is a tool's; else {@link MockProviderServer#replyFor}. Under {@code response_format} the
     * text is JSON instead: {@code {"reply":<text>}} for {@code json_object}, a value generated from the schema
     * (strings being the text) for {@code json_schema}. Returns {@code null} after a 400 for a {@code tool_choice}
     * naming an unknown tool.
     */
    private static Completion chatCompletion(ApiCall call, JsonNode body, String model, JsonNode messages, JsonNode tools,
                                             List<String> stops, ChatOptions options) {
        JsonNode last = messages.get(messages.size() - 1);
        String lastRole = last.path("role").asText();
        JsonNode toolChoice = body.path("tool_choice");
        if (!tools.isEmpty() && "user".equals(lastRole) && !"none".equals(toolChoice.asText())) {
            List<JsonNode> called = new ArrayList<>();
            if (toolChoice.isObject()) {
                String wanted = toolChoice.path("function").path("name").asText();
                for (JsonNode candidate : tools) {
                    if (called.isEmpty() && wanted.equals(candidate.path("function").path("name").asText())) {
                        called.add(candidate);
                    }
                }
                if (called.isEmpty()) {
                    call.invalid("Invalid value for 'tool_choice': no function named '" + wanted
                            + "' was specified in the 'tools' parameter.", "tool_choice");
                    return null;
                }
            } else if (options.parallelToolCalls()) {
                tools.forEach(called::add);
            } else {
                called.add(tools.get(0));
            }
            String userText = TokenCounter.textOf(last.get("content"));
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode tool : called) {
                JsonNode function = tool.path("function");
                calls.add(Replies.call(Ids.random("call_", 24), function.path("name").asText(),
                        function.path("parameters"), userText, function.path("strict").asBoolean(false)));
            }
            return Replies.toolCalls(calls);
        }
        String text = "tool".equals(lastRole)
                ? Replies.TOOL_RESULT_PREFIX + TokenCounter.textOf(last.get("content"))
                : MockProviderServer.replyFor(model, messages);
        ChatOptions.ResponseFormat format = options.format();
        if (format != null && format.jsonSchema()) {
            text = Json.write(SchemaValues.generate(format.schema(), text, format.strict()));
        } else if (format != null) {
            text = Json.write(Json.object().put("reply", text));
        }
        int maxTokens = body.path("max_completion_tokens").asInt(body.path("max_tokens").asInt(0));
        return Replies.text(text, maxTokens, stops);
    }

    private static ObjectNode chatObject(Envelope envelope, List<Completion> completions, ChatOptions options,
                                         ObjectNode usage) {
        ObjectNode out = Json.object();
        out.put("id", envelope.id);
        out.put("object", "chat.completion");
        out.put("created", envelope.created);
        out.put("model", envelope.model);
        ArrayNode choices = out.putArray("choices");
        for (int index = 0; index < completions.size(); index++) {
            Completion completion = completions.get(index);
            ObjectNode choice = choices.addObject();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (completion.isToolCall()) {
                message.putNull("content");
                ArrayNode toolCalls = message.putArray("tool_calls");
                for (ToolCall call : completion.toolCalls()) {
                    ObjectNode toolCall = toolCalls.addObject();
                    toolCall.put("id", call.id());
                    toolCall.put("type", "function");
                    ObjectNode function = toolCall.putObject("function");
                    function.put("name", call.name());
                    function.put("arguments", call.arguments());
                }
            } else {
                message.put("content", completion.text());
            }
            message.putNull("refusal");
            if (options.logprobs()) {
                choice.set("logprobs", Logprobs.of(completion.pieces(), 0, options.topLogprobs()));
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", finishReason(completion.finish()));
            if (envelope.azure) {
                choice.putObject("content_filter_results");
            }
        }
        out.set("usage", usage);
        out.put("system_fingerprint", FINGERPRINT);
        if (envelope.azure) {
            out.set("prompt_filter_results", promptFilterResults());
        }
        return out;
    }

    /**
     * The chunks of a streamed chat: each choice's chunks (carrying its {@code index}) interleaved round-robin,
     * as OpenAI interleaves the choices of {@code n > 1}, then the usage chunk and {@code [DONE]}.
     */
    private static List<Event> chatEvents(Envelope envelope, List<Completion> completions, ChatOptions options,
                                          ObjectNode usage) {
        List<Event> events = new ArrayList<>();
        if (envelope.azure) {
            events.add(Event.data(envelope.promptFilter(), false));
        }
        List<List<Event>> perChoice = new ArrayList<>();
        for (int index = 0; index < completions.size(); index++) {
            perChoice.add(choiceEvents(envelope, index, completions.get(index), options));
        }
        while (perChoice.stream().anyMatch(choiceEvents -> !choiceEvents.isEmpty())) {
            for (List<Event> choiceEvents : perChoice) {
                if (!choiceEvents.isEmpty()) {
                    events.add(choiceEvents.removeFirst());
                }
            }
        }
        finishStream(events, envelope, usage);
        return events;
    }

    /** The chunks of choice {@code index}: the role, the content or tool calls, the finish reason. */
    private static List<Event> choiceEvents(Envelope envelope, int index, Completion completion, ChatOptions options) {
        List<Event> events = new ArrayList<>();
        ObjectNode first = Json.object();
        first.put("role", "assistant");
        if (completion.isToolCall()) {
            first.putNull("content");
            List<ToolCall> calls = completion.toolCalls();
            for (int c = 0; c < calls.size(); c++) {
                ToolCall call = calls.get(c);
                ObjectNode delta = c == 0 ? first : Json.object();
                ObjectNode toolCall = delta.putArray("tool_calls").addObject();
                toolCall.put("index", c);
                toolCall.put("id", call.id());
                toolCall.put("type", "function");
                ObjectNode function = toolCall.putObject("function");
                function.put("name", call.name());
                function.put("arguments", "");
                if (c == 0) {
                    first.putNull("refusal");
                }
                events.add(Event.data(envelope.withChoice(chatChoice(index, delta, null, null, envelope.azure)),
                        false));
                for (String piece : call.argumentPieces()) {
                    ObjectNode argumentDelta = Json.object();
                    ObjectNode argument = argumentDelta.putArray("tool_calls").addObject();
                    argument.put("index", c);
                    argument.putObject("function").put("arguments", piece);
                    events.add(Event.data(envelope.withChoice(
                            chatChoice(index, argumentDelta, null, null, envelope.azure)), true));
                }
            }
        } else {
            first.put("content", "");
            first.putNull("refusal");
            events.add(Event.data(envelope.withChoice(chatChoice(index, first, null, null, envelope.azure)), false));
            List<String> pieces = completion.pieces();
            for (int p = 0; p < pieces.size(); p++) {
                ObjectNode delta = Json.object().put("content", pieces.get(p));
                ObjectNode logprobs = options.logprobs()
                        ? Logprobs.of(List.of(pieces.get(p)), p, options.topLogprobs()) : null;
                events.add(Event.data(envelope.withChoice(chatChoice(index, delta, logprobs, null, envelope.azure)),
                        true));
            }
        }
        events.add(Event.data(envelope.withChoice(
                chatChoice(index, Json.object(), null, finishReason(completion.finish()), envelope.azure)), false));
        return events;
    }

    private static ObjectNode chatChoice(int index, ObjectNode delta, ObjectNode logprobs, String finishReason,
                                         boolean azure) {
        ObjectNode choice = Json.object();
        choice.put("index", index);
        choice.set("delta", delta);
        if (logprobs != null) {
            choice.set("logprobs", logprobs);
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason);
        if (azure) {
            choice.putObject("content_filter_results");
        }
        return choice;
    }

    // ---------------------------------------------------------------- legacy completions

    /** Answers a legacy completions request: {@code "Mock completion from <model>: <prompt>"}. */
    void completions(ApiCall call, Variant variant) {
        JsonNode body = call.body();
        String model = answerModel(call, variant);
        if (model == null) {
            return;
        }
        Prompt prompt;
        List<String> stops;
        try {
            prompt = Prompt.of(body.get("prompt"));
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "prompt");
            return;
        }
        try {
            stops = stopSequences(body.get("stop"));
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "stop");
            return;
        }
        Completion completion = Replies.text(Replies.COMPLETION_PREFIX + model + ": " + prompt.text(),
                body.path("max_tokens").asInt(0), stops);
        ObjectNode usage = usage(prompt.tokens(), completion.outputTokens());
        Envelope envelope = new Envelope(Ids.random("cmpl-", 29), "text_completion", model, false,
                includeUsage(body), variant.azure());
        if (body.path("stream").asBoolean(false)) {
            List<Event> events = new ArrayList<>();
            if (envelope.azure) {
                events.add(Event.data(envelope.promptFilter(), false));
            }
            for (String piece : completion.pieces()) {
                events.add(Event.data(envelope.withChoice(textChoice(piece, null, envelope.azure)), true));
            }
            events.add(Event.data(envelope.withChoice(
                    textChoice("", finishReason(completion.finish()), envelope.azure)), false));
            finishStream(events, envelope, usage);
            call.stream(events);
        } else {
            ObjectNode out = envelope.base();
            out.putArray("choices").add(textChoice(completion.text(), finishReason(completion.finish()), envelope.azure));
            out.set("usage", usage);
            if (envelope.azure) {
                out.set("prompt_filter_results", promptFilterResults());
            }
            call.reply(out);
        }
    }

    private static ObjectNode textChoice(String text, String finishReason, boolean azure) {
        ObjectNode choice = Json.object();
        choice.put("text", text);
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (azure) {
            choice.putObject("content_filter_results");
        }
        return choice;
    }

    /**
     * The prompt of a legacy completion: a string; an array of strings (joined with {@code "\n"}); token ids; or
     * arrays of token ids (decoded, joined with {@code "\n"}).
     *
     * @param text   the prompt text the reply echoes
     * @param tokens its prompt tokens, summed over an array of prompts
     */
    private record Prompt(String text, int tokens) {
        static Prompt of(JsonNode prompt) {
            if (prompt != null && prompt.isTextual()) {
                return new Prompt(prompt.asText(), TokenCounter.count(prompt.asText()));
            }
            if (prompt == null || !prompt.isArray() || prompt.isEmpty()) {
                throw new IllegalArgumentException("'prompt' must be a string, an array of strings, an array of "
                        + "tokens or an array of token arrays.");
            }
            if (prompt.get(0).isIntegralNumber()) {
                int[] ids = tokenIds(prompt);
                return new Prompt(decode(ids), ids.length);
            }
            List<String> texts = new ArrayList<>();
            int tokens = 0;
            for (JsonNode item : prompt) {
                if (item.isTextual()) {
                    texts.add(item.asText());
                    tokens += TokenCounter.count(item.asText());
                } else {
                    int[] ids = tokenIds(item);
                    texts.add(decode(ids));
                    tokens += ids.length;
                }
            }
            return new Prompt(String.join("\n", texts), tokens);
        }
    }

    // ---------------------------------------------------------------- embeddings

    /** Answers an embeddings request with deterministic unit vectors ({@link Embeddings}). */
    void embeddings(ApiCall call, Variant variant) {
        JsonNode body = call.body();
        String model = answerModel(call, variant);
        if (model == null) {
            return;
        }
        List<EmbeddingInput> inputs;
        try {
            inputs = EmbeddingInput.all(body.get("input"));
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "input");
            return;
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            call.invalid("Invalid value for 'encoding_format': expected 'float' or 'base64', got '" + format + "'.",
                    "encoding_format");
            return;
        }
        JsonNode requestedDimensions = body.get("dimensions");
        int dimensions = Embeddings.DEFAULT_DIMENSIONS;
        if (requestedDimensions != null && !requestedDimensions.isNull()) {
            if (!requestedDimensions.canConvertToInt() || !requestedDimensions.isIntegralNumber()
                    || requestedDimensions.asInt() < 1 || requestedDimensions.asInt() > Embeddings.MAX_DIMENSIONS) {
                call.invalid("Invalid value for 'dimensions': expected an integer between 1 and "
                        + Embeddings.MAX_DIMENSIONS + ".", "dimensions");
                return;
            }
            dimensions = requestedDimensions.asInt();
        }
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            EmbeddingInput input = inputs.get(i);
            tokens += input.tokens();
            float[] vector = Embeddings.vector(input.bytes(), dimensions);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (format.equals("base64")) {
                item.put("embedding", Embeddings.base64(vector));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
        }
        out.put("model", model);
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        call.reply(out);
    }

    /**
     * One input to embed.
     *
     * @param bytes  what the vector is derived from: the text's UTF-8 bytes, or the bytes its token ids decode to
     * @param tokens its token count
     */
    private record EmbeddingInput(byte[] bytes, int tokens) {
        /** The inputs of {@code "input"}: a string, strings, token ids, or arrays of token ids. */
        static List<EmbeddingInput> all(JsonNode input) {
            List<EmbeddingInput> inputs = new ArrayList<>();
            if (input != null && input.isTextual()) {
                inputs.add(text(input.asText()));
                return inputs;
            }
            if (input == null || !input.isArray() || input.isEmpty()) {
                throw new IllegalArgumentException("'input' must be a non-empty string, array of strings, array of "
                        + "tokens or array of token arrays.");
            }
            if (input.size() > MAX_EMBEDDING_INPUTS) {
                throw new IllegalArgumentException("'input' must have at most " + MAX_EMBEDDING_INPUTS + " items.");
            }
            if (input.get(0).isIntegralNumber()) {
                int[] ids = tokenIds(input);
                inputs.add(new EmbeddingInput(TokenCounter.decodeBytes(ids), ids.length));
                return inputs;
            }
            for (JsonNode item : input) {
                if (item.isTextual()) {
                    inputs.add(text(item.asText()));
                } else {
                    int[] ids = tokenIds(item);
                    inputs.add(new EmbeddingInput(TokenCounter.decodeBytes(ids), ids.length));
                }
            }
            return inputs;
        }

        private static EmbeddingInput text(String text) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("'$.input' is invalid: inputs must not be empty strings.");
            }
            return new EmbeddingInput(text.getBytes(StandardCharsets.UTF_8), TokenCounter.count(text));
        }
    }

    // ---------------------------------------------------------------- shared

    /** The model the answer names: the Azure deployment, or the body's required {@code "model"}; null after a 400. */
    private static String answerModel(ApiCall call, Variant variant) {
        if (variant.azure()) {
            return variant.deployment();
        }
        JsonNode model = call.body().get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            call.invalid("you must provide a model parameter", "model");
            return null;
        }
        return model.asText();
    }

    private static boolean includeUsage(JsonNode body) {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** OpenAI's {@code stop}: absent, a string, or an array of up to 4 strings. */
    private static List<String> stopSequences(JsonNode stop) {
        List<String> stops = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return stops;
        }
        if (stop.isTextual()) {
            stops.add(stop.asText());
            return stops;
        }
        if (stop.isArray() && stop.size() <= 4) {
            for (JsonNode item : stop) {
                if (!item.isTextual()) {
                    throw new IllegalArgumentException("Invalid type for 'stop': expected strings.");
                }
                stops.add(item.asText());
            }
            return stops;
        }
        throw new IllegalArgumentException("Invalid value for 'stop': expected a string or an array of up to 4 strings.");
    }

    /** The ids of a JSON array of token ids. */
    private static int[] tokenIds(JsonNode array) {
        if (!array.isArray() || array.isEmpty()) {
            throw new IllegalArgumentException("token arrays must be non-empty arrays of integers.");
        }
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                throw new IllegalArgumentException("token arrays must contain non-negative integers only.");
            }
            ids[i] = id.asInt();
        }
        return ids;
    }

    private static String decode(int[] ids) {
        return new String(TokenCounter.decodeBytes(ids), StandardCharsets.UTF_8);
    }

    static String finishReason(Finish finish) {
        return switch (finish) {
            case STOP, STOP_SEQUENCE -> "stop";
            case LENGTH -> "length";
            case TOOL_CALL -> "tool_calls";
        };
    }

    /** Reasoning tokens per choice for a {@code reasoning_effort}; 0 when absent. */
    static int reasoningTokens(JsonNode effort) {
        if (effort == null || effort.isNull()) {
            return 0;
        }
        return switch (effort.isTextual() ? effort.asText() : "") {
            case "minimal" -> 0;
            case "low" -> REASONING_PER_EFFORT_UNIT;
            case "medium" -> 4 * REASONING_PER_EFFORT_UNIT;
            case "high" -> 16 * REASONING_PER_EFFORT_UNIT;
            default -> throw new IllegalArgumentException("Invalid value for 'reasoning_effort': expected one of 'minimal', "
                    + "'low', 'medium', 'high'.");
        };
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    /** Azure's annotation of the prompt: {@code [{"prompt_index":0,"content_filter_results":{}}]}. */
    private static ArrayNode promptFilterResults() {
        ArrayNode results = Json.array();
        ObjectNode result = results.addObject();
        result.put("prompt_index", 0);
        result.putObject("content_filter_results");
        return results;
    }

    /** Ends a stream: the usage chunk when {@code stream_options.include_usage}, then {@code [DONE]}. */
    private static void finishStream(List<Event> events, Envelope envelope, ObjectNode usage) {
        if (envelope.includeUsage) {
            ObjectNode last = envelope.base();
            last.putArray("choices");
            last.set("usage", usage);
            events.add(Event.data(last, false));
        }
        events.add(Event.DONE);
    }

    /** The fields shared by the chunks of one streamed completion, or by its whole answer. */
    private static final class Envelope {
        final String id;
        final String object;
        final long created = Ids.nowSeconds();
        final String model;
        final boolean fingerprint;
        final boolean includeUsage;
        final boolean azure;

        Envelope(String id, String object, String model, boolean fingerprint, boolean includeUsage, boolean azure) {
            this.id = id;
            this.object = object;
            this.model = model;
            this.fingerprint = fingerprint;
            this.includeUsage = includeUsage;
            this.azure = azure;
        }

        ObjectNode base() {
            ObjectNode chunk = Json.object();
            chunk.put("id", id);
            chunk.put("object", object);
            chunk.put("created", created);
            chunk.put("model", model);
            if (fingerprint) {
                chunk.put("system_fingerprint", FINGERPRINT);
            }
            return chunk;
        }

        /** A chunk with one choice; {@code "usage":null} when the final usage chunk will follow. */
        ObjectNode withChoice(ObjectNode choice) {
            ObjectNode chunk = base();
            chunk.putArray("choices").add(choice);
            if (includeUsage) {
                chunk.putNull("usage");
            }
            return chunk;
        }

        /** Azure's first chunk: no choices, empty id/model/object, the prompt's filter results. */
        ObjectNode promptFilter() {
            ObjectNode chunk = Json.object();
            chunk.putArray("choices");
            chunk.put("created", 0);
            chunk.put("id", "");
            chunk.put("model", "");
            chunk.put("object", "");
            chunk.set("prompt_filter_results", promptFilterResults());
            if (includeUsage) {
                chunk.putNull("usage");
            }
            return chunk;
        }
    }
}
