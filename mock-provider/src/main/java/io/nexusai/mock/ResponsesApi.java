package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.mock.Replies.Completion;
import io.nexusai.mock.Replies.Finish;
import io.nexusai.mock.Replies.ToolCall;
import io.nexusai.mock.SseStream.Event;
import io.vertx.ext.web.Router;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}), natively: the request's instructions, input items, function
 * tools, tool choice, text format, {@code max_output_tokens} and reasoning effort give the same answer and the same
 * token counts as the equivalent chat-completions request (the chat API's answer is shared), written as a
 * {@code Response} or streamed as the typed event sequence with {@code sequence_number}s. Faults apply as to every
 * API: a {@code drop-after} counts the text and argument deltas.
 */
final class ResponsesApi {
    private final OpenAiApi openAi;

    ResponsesApi(OpenAiApi openAi) {
        this.openAi = openAi;
    }

    void register(Router router) {
        router.post("/v1/responses").handler(ctx -> openAi.handle(ctx, (call, variant) -> respond(call)));
    }

    private void respond(ApiCall call) {
        JsonNode body = call.body();
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            call.invalid("you must provide a model parameter", "model");
            return;
        }
        JsonNode input = body.get("input");
        if (input == null || !(input.isTextual() || input.isArray())) {
            call.invalid("Missing required parameter: 'input'.", "input");
            return;
        }
        ObjectNode chat;
        try {
            chat = chatBody(body);
        } catch (IllegalArgumentException e) {
            call.invalid(e.getMessage(), "input");
            return;
        }
        OpenAiApi.ChatAnswer answer = OpenAiApi.answer(call, chat, model.asText());
        if (answer == null) {
            return;
        }
        Completion completion = answer.completions().getFirst();
        ObjectNode response = response(body, model.asText());
        ObjectNode usage = usage(answer.usage());
        if (body.path("stream").asBoolean(false)) {
            call.stream(events(response, completion, usage));
        } else {
            response.put("status", status(completion));
            if (completion.finish() == Finish.LENGTH) {
                response.putObject("incomplete_details").put("reason", "max_output_tokens");
            }
            response.put("completed_at", Ids.nowSeconds());
            ArrayNode output = response.putArray("output");
            for (ObjectNode item : items(completion, status(completion))) {
                output.add(item);
            }
            response.set("usage", usage);
            call.reply(response);
        }
    }

    /** The Responses body as the equivalent chat body. */
    private static ObjectNode chatBody(JsonNode body) {
        ObjectNode chat = Json.object();
        chat.set("model", body.get("model"));
        ArrayNode messages = chat.putArray("messages");
        if (body.path("instructions").isTextual()) {
            messages.addObject().put("role", "system").put("content", body.get("instructions").asText());
        }
        JsonNode input = body.get("input");
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else {
            ObjectNode calling = null;
            for (JsonNode item : input) {
                String type = item.path("type").asText("message");
                switch (type) {
                    case "message" -> {
                        calling = null;
                        ObjectNode m = messages.addObject().put("role", item.path("role").asText());
                        m.put("content", text(item.get("content")));
                    }
                    case "function_call" -> {
                        if (calling == null) {
                            calling = messages.addObject().put("role", "assistant");
                            calling.putNull("content");
                        }
                        ObjectNode call = calling.withArray("tool_calls").addObject().put("id", item.path("call_id").asText())
                                .put("type", "function");
                        call.putObject("function").put("name", item.path("name").asText())
                                .put("arguments", item.path("arguments").asText());
                    }
                    case "function_call_output" -> {
                        calling = null;
                        messages.addObject().put("role", "tool").put("tool_call_id", item.path("call_id").asText())
                                .put("content", text(item.get("output")));
                    }
                    case "reasoning" -> {
                    }
                    default -> throw new IllegalArgumentException("Invalid input item type: '" + type + "'.");
                }
            }
        }
        ArrayNode tools = Json.array();
        for (JsonNode tool : body.path("tools")) {
            if (tool.path("type").asText().equals("function")) {
                ObjectNode f = tools.addObject().put("type", "function").putObject("function");
                f.set("name", tool.get("name"));
                f.set("parameters", tool.get("parameters"));
                f.set("strict", tool.get("strict"));
            }
        }
        if (!tools.isEmpty()) {
            chat.set("tools", tools);
            if (body.has("parallel_tool_calls")) {
                chat.set("parallel_tool_calls", body.get("parallel_tool_calls"));
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && choice.isTextual()) {
            chat.set("tool_choice", choice);
        } else if (choice != null && choice.isObject()) {
            chat.putObject("tool_choice").put("type", "function").putObject("function").set("name", choice.get("name"));
        }
        JsonNode format = body.path("text").path("format");
        switch (format.path("type").asText("text")) {
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                schema.set("name", format.get("name"));
                schema.set("schema", format.get("schema"));
                schema.put("strict", format.path("strict").asBoolean(false));
            }
            default -> {
            }
        }
        if (body.path("max_output_tokens").isIntegralNumber()) {
            chat.put("max_completion_tokens", body.get("max_output_tokens").asInt());
        }
        if (body.path("reasoning").path("effort").isTextual()) {
            chat.set("reasoning_effort", body.at("/reasoning/effort"));
        }
        if (body.path("prompt_cache_key").isTextual()) {
            chat.set("prompt_cache_key", body.get("prompt_cache_key"));
        }
        return chat;
    }

    /** A string, or the text of content parts ({@code input_text}, {@code output_text}). */
    private static String text(JsonNode content) {
        if (content == null || content.isTextual()) {
            return content == null ? "" : content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            String type = part.path("type").asText();
            if (type.equals("input_text") || type.equals("output_text") || type.equals("text")) {
                sb.append(part.path("text").asText());
            }
        }
        return sb.toString();
    }

    /** The response object as created: in progress, no output yet. */
    private static ObjectNode response(JsonNode body, String model) {
        ObjectNode r = Json.object();
        r.put("id", Ids.random("resp_", 48));
        r.put("object", "response");
        r.put("created_at", Ids.nowSeconds());
        r.put("status", "in_progress");
        r.put("background", false);
        r.putNull("completed_at");
        r.putNull("error");
        r.putNull("incomplete_details");
        r.set("instructions", body.path("instructions").isTextual() ? body.get("instructions") : Json.MAPPER.nullNode());
        r.set("max_output_tokens", body.path("max_output_tokens").isIntegralNumber() ? body.get("max_output_tokens")
                : Json.MAPPER.nullNode());
        r.put("model", model);
        r.putArray("output");
        r.put("parallel_tool_calls", body.path("parallel_tool_calls").asBoolean(true));
        r.putNull("previous_response_id");
        ObjectNode reasoning = r.putObject("reasoning");
        reasoning.set("effort", body.path("reasoning").path("effort").isTextual() ? body.at("/reasoning/effort")
                : Json.MAPPER.nullNode());
        reasoning.putNull("summary");
        r.put("store", body.path("store").asBoolean(true));
        r.put("temperature", body.path("temperature").isNumber() ? body.get("temperature").asDouble() : 1.0);
        r.putObject("text").set("format", body.path("text").path("format").isObject() ? body.at("/text/format")
                : Json.object().put("type", "text"));
        r.set("tool_choice", body.hasNonNull("tool_choice") ? body.get("tool_choice") : Json.MAPPER.getNodeFactory().textNode("auto"));
        ArrayNode tools = r.putArray("tools");
        for (JsonNode tool : body.path("tools")) {
            ObjectNode t = tool.deepCopy();
            if (t.path("type").asText().equals("function")) {
                t.set("strict", tool.hasNonNull("strict") ? tool.get("strict") : Json.MAPPER.getNodeFactory().booleanNode(true));
                if (!t.has("description")) {
                    t.putNull("description");
                }
            }
            tools.add(t);
        }
        r.put("top_p", body.path("top_p").isNumber() ? body.get("top_p").asDouble() : 1.0);
        r.put("truncation", "disabled");
        r.set("metadata", body.path("metadata").isObject() ? body.get("metadata") : Json.object());
        return r;
    }

    private static String status(Completion completion) {
        return completion.finish() == Finish.LENGTH ? "incomplete" : "completed";
    }

    /** The output items of a finished answer: a message with its text, or a function call per tool call. */
    private static List<ObjectNode> items(Completion completion, String status) {
        List<ObjectNode> items = new ArrayList<>();
        if (completion.isToolCall()) {
            for (ToolCall call : completion.toolCalls()) {
                items.add(functionCall(Ids.random("fc_", 48), call, call.arguments(), status));
            }
        } else {
            items.add(message(Ids.random("msg_", 48), status, completion.text(), true));
        }
        return items;
    }

    private static ObjectNode message(String id, String status, String text, boolean withContent) {
        ObjectNode m = Json.object().put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (withContent) {
            content.add(outputText(text));
        }
        return m;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode part = Json.object().put("type", "output_text");
        part.putArray("annotations");
        part.putArray("logprobs");
        return part.put("text", text);
    }

    private static ObjectNode functionCall(String id, ToolCall call, String arguments, String status) {
        return Json.object().put("id", id).put("type", "function_call").put("status", status).put("arguments", arguments)
                .put("call_id", call.id()).put("name", call.name());
    }

    /** Chat usage as the Responses API reports it. */
    private static ObjectNode usage(ObjectNode chat) {
        ObjectNode u = Json.object();
        u.put("input_tokens", chat.path("prompt_tokens").asInt());
        u.putObject("input_tokens_details").put("cached_tokens", chat.path("prompt_tokens_details").path("cached_tokens").asInt(0))
                .put("cache_write_tokens", 0);
        u.put("output_tokens", chat.path("completion_tokens").asInt());
        u.putObject("output_tokens_details").put("reasoning_tokens",
                chat.path("completion_tokens_details").path("reasoning_tokens").asInt(0));
        u.put("total_tokens", chat.path("total_tokens").asInt());
        return u;
    }

    /** The typed event sequence of a streamed answer, numbered from 0. */
    private static List<Event> events(ObjectNode response, Completion completion, ObjectNode usage) {
        Sequence seq = new Sequence();
        seq.add("response.created", Json.object().set("response", response.deepCopy()), false);
        seq.add("response.in_progress", Json.object().set("response", response.deepCopy()), false);
        String status = status(completion);
        ArrayNode output = Json.array();
        if (completion.isToolCall()) {
            List<ToolCall> calls = completion.toolCalls();
            for (int i = 0; i < calls.size(); i++) {
                ToolCall call = calls.get(i);
                String id = Ids.random("fc_", 48);
                seq.add("response.output_item.added", Json.object().put("output_index", i)
                        .set("item", functionCall(id, call, "", "in_progress")), false);
                for (String piece : call.argumentPieces()) {
                    seq.add("response.function_call_arguments.delta", Json.object().put("item_id", id).put("output_index", i)
                            .put("delta", piece), true);
                }
                seq.add("response.function_call_arguments.done", Json.object().put("item_id", id).put("output_index", i)
                        .put("name", call.name()).put("arguments", call.arguments()), false);
                ObjectNode done = functionCall(id, call, call.arguments(), status);
                output.add(done);
                seq.add("response.output_item.done", Json.object().put("output_index", i).set("item", done), false);
            }
        } else {
            String id = Ids.random("msg_", 48);
            seq.add("response.output_item.added", Json.object().put("output_index", 0)
                    .set("item", message(id, "in_progress", "", false)), false);
            seq.add("response.content_part.added", Json.object().put("item_id", id).put("output_index", 0).put("content_index", 0)
                    .set("part", outputText("")), false);
            for (String piece : completion.pieces()) {
                ObjectNode delta = Json.object().put("item_id", id).put("output_index", 0).put("content_index", 0).put("delta", piece);
                delta.putArray("logprobs");
                seq.add("response.output_text.delta", delta, true);
            }
            ObjectNode textDone = Json.object().put("item_id", id).put("output_index", 0).put("content_index", 0)
                    .put("text", completion.text());
            textDone.putArray("logprobs");
            seq.add("response.output_text.done", textDone, false);
            seq.add("response.content_part.done", Json.object().put("item_id", id).put("output_index", 0).put("content_index", 0)
                    .set("part", outputText(completion.text())), false);
            ObjectNode done = message(id, status, completion.text(), true);
            output.add(done);
            seq.add("response.output_item.done", Json.object().put("output_index", 0).set("item", done), false);
        }
        ObjectNode finished = response.deepCopy();
        finished.put("status", status);
        if (completion.finish() == Finish.LENGTH) {
            finished.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            finished.put("completed_at", Ids.nowSeconds());
        }
        finished.set("output", output);
        finished.set("usage", usage);
        seq.add(status.equals("completed") ? "response.completed" : "response.incomplete", Json.object().set("response", finished), false);
        return seq.events;
    }

    /** Numbers the events of one stream: {@code type} first, {@code sequence_number} last. */
    private static final class Sequence {
        final List<Event> events = new ArrayList<>();

        void add(String type, JsonNode fields, boolean content) {
            ObjectNode e = Json.object().put("type", type);
            e.setAll((ObjectNode) fields);
            e.put("sequence_number", events.size());
            events.add(Event.named(type, e, content));
        }
    }
}
