package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.mock.Replies.Completion;
import io.nexusai.mock.Replies.Finish;
import io.nexusai.mock.SseStream.Event;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's Gemini API, {@code POST /v1beta/models/{model}:generateContent} and
 * {@code :streamGenerateContent} ({@code ?alt=sse}: Server-Sent Events, one {@code GenerateContentResponse} per
 * event; without it a JSON array of them). The key goes in {@code x-goog-api-key} (or {@code ?key=}) when the server
 * has one: none is a 403 {@code PERMISSION_DENIED}, a wrong one Google's 400 {@code INVALID_ARGUMENT} with the
 * {@code API_KEY_INVALID} reason. Errors use Google's {@code {"error":{"code","message","status"}}} envelope.
 *
 * <p>The reply is {@code "Mock reply from <model>: <text parts of the last user content>"}, cut before a
 * {@code stopSequences} match and at {@code maxOutputTokens}, repeated for each of {@code candidateCount}
 * candidates; under {@code responseMimeType: application/json} it is JSON instead: a value of the
 * {@code responseSchema} (strings being that text, every property given), or {@code {"reply": <text>}}. With {@code functionDeclarations}, a last content from the user without {@code functionResponse}
 * parts and a calling mode other than {@code NONE}, the answer is a {@code functionCall} of the first declaration
 * (or the first of {@code allowedFunctionNames}) with arguments from {@link SchemaValues}; a last user content with
 * {@code functionResponse} parts is answered {@code "Tool result: <their response.content, or the response as
 * compact JSON, joined with \n>"}. A function call is signed with a {@code thoughtSignature} (random base64), as
 * thinking models sign theirs; like Gemini 3, models named {@code gemini-3…} (or later) refuse a history whose
 * first function call of a model turn comes back unsigned (Google's {@code skip_thought_signature_validator}
 * placeholder is accepted) or with a signature that is not base64.
 *
 * <p>Usage: {@code promptTokenCount} = tokens(text parts of {@code systemInstruction}) + Σ over contents of
 * tokens(its text parts and functionResponse texts, in order); images and function calls count nothing.
 * {@code candidatesTokenCount} = tokens of the reply text (or of the function's name + compact JSON args), times
 * the candidates. A stream reports the prompt count on every event and the whole usage on the last.
 */
final class GeminiApi {
    private static final String PATH = "/(v1|v1beta|v1alpha)/models/([^/:]+):(generateContent|streamGenerateContent)";
    private static final Set<String> ROLES = Set.of("user", "model");
    private static final Set<String> PART_KINDS = Set.of("text", "inlineData", "fileData", "functionCall", "functionResponse",
            "executableCode", "codeExecutionResult");
    private static final Pattern MAJOR = Pattern.compile("^gemini-(\\d+)");
    private static final String SKIP_SIGNATURE = "skip_thought_signature_validator";
    private static final Set<String> MODES = Set.of("AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED");

    private final MockState mock;

    GeminiApi(MockState mock) {
        this.mock = mock;
    }

    void register(Router router) {
        router.postWithRegex(PATH).handler(this::generate);
    }

    private void generate(RoutingContext ctx) {
        String model = ctx.pathParam("param1");
        boolean stream = "streamGenerateContent".equals(ctx.pathParam("param2"));
        ApiCall call = ApiCall.open(ctx, mock, ErrorFormat.GEMINI, model);
        if (call == null) {
            return;
        }
        if (mock.apiKey() != null) {
            String key = call.header("x-goog-api-key") != null ? call.header("x-goog-api-key") : call.queryParam("key");
            if (key == null) {
                call.error(403, ErrorFormat.gemini(403, "Method doesn't allow unregistered callers (callers without established "
                        + "identity). Please use API Key or other form of API consumer identity to call this API."));
                return;
            }
            if (!mock.apiKey().equals(key)) {
                ObjectNode invalidKey = ErrorFormat.gemini(400, "API key not valid. Please pass a valid API key.");
                ((ObjectNode) invalidKey.get("error")).putArray("details").addObject()
                        .put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "API_KEY_INVALID")
                        .put("domain", "googleapis.com");
                call.error(400, invalidKey);
                return;
            }
        }
        call.run(() -> answer(call, model, stream, "sse".equals(call.queryParam("alt"))));
    }

    private void answer(ApiCall call, String model, boolean stream, boolean sse) {
        JsonNode body = call.body();
        String problem = validate(body);
        if (problem == null) {
            problem = validateSignatures(body.get("contents"), model);
        }
        if (problem != null) {
            call.invalid(problem, null);
            return;
        }
        JsonNode contents = body.get("contents");
        Completion completion = completion(body, model, contents);
        int promptTokens = TokenCounter.count(partsText(body.path("systemInstruction").path("parts")));
        for (JsonNode content : contents) {
            promptTokens += TokenCounter.count(partsText(content.path("parts")));
        }
        int candidates = body.path("generationConfig").path("candidateCount").asInt(1);
        String responseId = Ids.random("", 23);
        List<ObjectNode> responses = stream ? events(model, responseId, completion, candidates, promptTokens)
                : List.of(response(model, responseId, completion, candidates, promptTokens, null, true));
        if (!stream) {
            call.reply(responses.getFirst());
        } else if (sse) {
            List<Event> events = new ArrayList<>(responses.size());
            for (ObjectNode response : responses) {
                events.add(Event.data(response, true));
            }
            call.stream(events);
        } else {
            ArrayNode array = Json.array();
            responses.forEach(array::add);
            call.reply(array);
        }
    }

    /** A function call, the answer to function responses, or the mock reply — see the type's documentation. */
    private static Completion completion(JsonNode body, String model, JsonNode contents) {
        JsonNode last = contents.get(contents.size() - 1);
        JsonNode lastUser = last;
        for (JsonNode content : contents) {
            if (!"model".equals(content.path("role").asText())) {
                lastUser = content;
            }
        }
        StringBuilder userText = new StringBuilder();
        List<String> toolResults = new ArrayList<>();
        for (JsonNode part : lastUser.path("parts")) {
            if (part.path("text").isTextual()) {
                userText.append(part.get("text").asText());
            } else if (part.path("functionResponse").isObject()) {
                toolResults.add(responseText(part.get("functionResponse").path("response")));
            }
        }
        JsonNode declarations = declarations(body);
        JsonNode calling = body.path("toolConfig").path("functionCallingConfig");
        String mode = calling.path("mode").asText("AUTO");
        if (!declarations.isEmpty() && last == lastUser && toolResults.isEmpty() && !"NONE".equals(mode)) {
            JsonNode allowed = calling.path("allowedFunctionNames");
            JsonNode declaration = declarations.get(0);
            if ("ANY".equals(mode) && !allowed.isEmpty()) {
                for (JsonNode d : declarations) {
                    if (d.path("name").asText().equals(allowed.get(0).asText())) {
                        declaration = d;
                    }
                }
            }
            return Replies.toolCall("", declaration.path("name").asText(), declaration.path("parameters"), userText.toString());
        }
        String text = toolResults.isEmpty()
                ? MockProviderServer.REPLY_PREFIX + model + ": " + userText
                : Replies.TOOL_RESULT_PREFIX + String.join("\n", toolResults);
        JsonNode config = body.path("generationConfig");
        if (toolResults.isEmpty() && "application/json".equals(config.path("responseMimeType").asText())) {
            // JSON mode: a value of the response schema (strings being the text), else {"reply": text}
            text = config.hasNonNull("responseSchema") ? Json.write(SchemaValues.generate(config.get("responseSchema"), text, true))
                    : Json.write(Json.object().put("reply", text));
        }
        List<String> stops = new ArrayList<>();
        config.path("stopSequences").forEach(stop -> stops.add(stop.asText()));
        return Replies.text(text, config.path("maxOutputTokens").asInt(0), stops);
    }

    /** The stream: one event per token piece (or the function call), the last with the finish reason and usage. */
    private static List<ObjectNode> events(String model, String responseId, Completion completion, int candidates, int promptTokens) {
        List<ObjectNode> events = new ArrayList<>();
        if (completion.isToolCall()) {
            events.add(response(model, responseId, completion, candidates, promptTokens, null, true));
            return events;
        }
        List<String> pieces = completion.pieces().isEmpty() ? List.of("") : completion.pieces();
        for (int i = 0; i < pieces.size(); i++) {
            events.add(response(model, responseId, completion, candidates, promptTokens, pieces.get(i), i == pieces.size() - 1));
        }
        return events;
    }

    /**
     * A {@code GenerateContentResponse}: the whole completion ({@code piece} {@code null}) or one piece of it;
     * {@code last} adds the finish reason and the output tokens.
     */
    private static ObjectNode response(String model, String responseId, Completion completion, int candidates, int promptTokens,
                                       String piece, boolean last) {
        String signature = Base64.getEncoder().encodeToString(Ids.random("", 48).getBytes(StandardCharsets.UTF_8));
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("candidates");
        for (int c = 0; c < candidates; c++) {
            ObjectNode candidate = list.addObject();
            ObjectNode content = candidate.putObject("content");
            ArrayNode parts = content.putArray("parts");
            if (completion.isToolCall()) {
                ObjectNode part = parts.addObject();
                ObjectNode call = part.putObject("functionCall");
                call.put("name", completion.toolCall().name());
                call.set("args", completion.toolCall().input());
                part.put("thoughtSignature", signature);
            } else {
                parts.addObject().put("text", piece == null ? completion.text() : piece);
            }
            content.put("role", "model");
            if (last) {
                candidate.put("finishReason", completion.finish() == Finish.LENGTH ? "MAX_TOKENS" : "STOP");
            }
            candidate.put("index", c);
        }
        ObjectNode usage = out.putObject("usageMetadata");
        usage.put("promptTokenCount", promptTokens);
        int output = last ? completion.outputTokens() * candidates : 0;
        if (last) {
            usage.put("candidatesTokenCount", output);
        }
        usage.put("totalTokenCount", promptTokens + output);
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", promptTokens);
        out.put("modelVersion", model);
        out.put("responseId", responseId);
        return out;
    }

    private static JsonNode declarations(JsonNode body) {
        ArrayNode all = Json.array();
        for (JsonNode tool : body.path("tools")) {
            tool.path("functionDeclarations").forEach(all::add);
        }
        return all;
    }

    /** A function response as the text the mock quotes: its {@code content} string, or the whole response as JSON. */
    private static String responseText(JsonNode response) {
        JsonNode content = response.path("content");
        return content.isTextual() ? content.asText() : Json.write(response);
    }

    /** The text of parts for {@code promptTokenCount}: text parts and function responses, in order. */
    private static String partsText(JsonNode parts) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : parts) {
            if (part.path("text").isTextual()) {
                sb.append(part.get("text").asText());
            } else if (part.path("functionResponse").isObject()) {
                sb.append(responseText(part.get("functionResponse").path("response")));
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- validation

    /** What is wrong with the request body, worded like Google, or {@code null} when it is valid. */
    private static String validate(JsonNode body) {
        if (body.has("model") || body.has("messages")) {
            String name = body.has("messages") ? "messages" : "model";
            return "Invalid JSON payload received. Unknown name \"" + name + "\": Cannot find field.";
        }
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified\n";
        }
        for (int i = 0; i < contents.size(); i++) {
            JsonNode content = contents.get(i);
            JsonNode role = content.get("role");
            if (role != null && !ROLES.contains(role.asText())) {
                return "Please use a valid role: user, model.";
            }
            String problem = validateParts(content.get("parts"), "contents[" + i + "]");
            if (problem != null) {
                return problem;
            }
        }
        JsonNode system = body.get("systemInstruction");
        if (system != null && !system.isNull()) {
            String problem = validateParts(system.get("parts"), "system_instruction");
            if (problem != null) {
                return problem;
            }
        }
        String problem = validateConfig(body.path("generationConfig"));
        return problem != null ? problem : validateTools(body);
    }

    /** Gemini 3's rule: the first function call of each model turn carries its (base64) thought signature. */
    private static String validateSignatures(JsonNode contents, String model) {
        Matcher major = MAJOR.matcher(model);
        if (!major.find() || Integer.parseInt(major.group(1)) < 3) {
            return null;
        }
        for (int i = 0; i < contents.size(); i++) {
            for (JsonNode part : contents.get(i).path("parts")) {
                if (!part.has("functionCall")) {
                    continue;
                }
                String signature = part.path("thoughtSignature").asText("");
                if (signature.isEmpty()) {
                    return "Function call `" + part.at("/functionCall/name").asText() + "` in the " + (i + 1)
                            + ". content block is missing a `thought_signature`.";
                }
                if (!signature.equals(SKIP_SIGNATURE)) {
                    try {
                        Base64.getDecoder().decode(signature);
                    } catch (IllegalArgumentException e) {
                        return "Corrupted thought signature.";
                    }
                }
                break; // only the first call of a turn is signed
            }
        }
        return null;
    }

    private static String validateParts(JsonNode parts, String at) {
        if (parts == null || !parts.isArray() || parts.isEmpty()) {
            return "* GenerateContentRequest." + at + ".parts: contents.parts must not be empty.\n";
        }
        for (int j = 0; j < parts.size(); j++) {
            JsonNode part = parts.get(j);
            String kind = null;
            for (String k : PART_KINDS) {
                if (part.has(k)) {
                    kind = k;
                }
            }
            String partAt = "* GenerateContentRequest." + at + ".parts[" + j + "]";
            if (kind == null) {
                return partAt + ".data: required oneof field 'data' must have one initialized field\n";
            }
            switch (kind) {
                case "text" -> {
                    if (!part.get("text").isTextual()) {
                        return "Invalid value at '" + at + ".parts[" + j + "].text' (TYPE_STRING)";
                    }
                }
                case "inlineData" -> {
                    if (!part.get("inlineData").path("mimeType").isTextual() || !part.get("inlineData").path("data").isTextual()) {
                        return partAt + ".inline_data: mime_type and data are required\n";
                    }
                }
                case "functionCall", "functionResponse" -> {
                    if (!part.get(kind).path("name").isTextual() || part.get(kind).path("name").asText().isEmpty()) {
                        return partAt + "." + (kind.equals("functionCall") ? "function_call" : "function_response")
                                + ".name: Name cannot be empty.\n";
                    }
                    if (kind.equals("functionResponse") && !part.get(kind).path("response").isObject()) {
                        return partAt + ".function_response.response: must be a JSON object\n";
                    }
                }
                default -> {
                }
            }
        }
        return null;
    }

    private static String validateConfig(JsonNode config) {
        JsonNode max = config.get("maxOutputTokens");
        if (max != null && (!max.isIntegralNumber() || max.asLong() < 1)) {
            return "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n";
        }
        JsonNode temperature = config.get("temperature");
        if (temperature != null && (!temperature.isNumber() || temperature.asDouble() < 0 || temperature.asDouble() > 2)) {
            return "* GenerateContentRequest.generation_config.temperature: temperature must be between 0 and 2.\n";
        }
        JsonNode topP = config.get("topP");
        if (topP != null && (!topP.isNumber() || topP.asDouble() < 0 || topP.asDouble() > 1)) {
            return "* GenerateContentRequest.generation_config.top_p: top_p must be between 0 and 1.\n";
        }
        JsonNode candidates = config.get("candidateCount");
        if (candidates != null && (!candidates.isIntegralNumber() || candidates.asInt() < 1 || candidates.asInt() > 8)) {
            return "* GenerateContentRequest.generation_config.candidate_count: candidate_count must be between 1 and 8.\n";
        }
        JsonNode stops = config.get("stopSequences");
        if (stops != null && (!stops.isArray() || stops.size() > 5)) {
            return "* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.\n";
        }
        JsonNode mime = config.get("responseMimeType");
        if (mime != null && !Set.of("text/plain", "application/json", "text/x.enum").contains(mime.asText())) {
            return "* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, "
                    + "`application/json`, `application/xml`, `application/yaml` and `text/x.enum`.\n";
        }
        if (config.has("responseSchema") && mime == null) {
            return "* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be set when "
                    + "response_schema is set.\n";
        }
        return unknownSchemaKeyword(config.get("responseSchema"), "generation_config.response_schema");
    }

    private static String validateTools(JsonNode body) {
        JsonNode declarations = declarations(body);
        for (int i = 0; i < declarations.size(); i++) {
            JsonNode d = declarations.get(i);
            if (!d.path("name").isTextual() || d.path("name").asText().isEmpty()) {
                return "* GenerateContentRequest.tools[0].function_declarations[" + i + "].name: Name cannot be empty.\n";
            }
            String problem = unknownSchemaKeyword(d.get("parameters"), "tools[0].function_declarations[" + i + "].parameters");
            if (problem != null) {
                return problem;
            }
        }
        JsonNode mode = body.path("toolConfig").path("functionCallingConfig").get("mode");
        if (mode != null && !MODES.contains(mode.asText())) {
            return "Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage."
                    + "v1beta.FunctionCallingConfig.Mode), \"" + mode.asText() + "\"";
        }
        return null;
    }

    /** Gemini's {@code Schema} is an OpenAPI subset: {@code additionalProperties} (at any depth) is refused. */
    private static String unknownSchemaKeyword(JsonNode schema, String at) {
        if (schema == null || !schema.isObject()) {
            return null;
        }
        if (schema.has("additionalProperties") || schema.has("$schema")) {
            return "Invalid JSON payload received. Unknown name \"" + (schema.has("$schema") ? "$schema" : "additionalProperties")
                    + "\" at '" + at + "': Cannot find field.";
        }
        for (var field : schema.properties()) {
            String key = field.getKey();
            if (key.equals("properties")) {
                for (var property : field.getValue().properties()) {
                    String problem = unknownSchemaKeyword(property.getValue(), at + ".properties[" + property.getKey() + "].value");
                    if (problem != null) {
                        return problem;
                    }
                }
            } else if (key.equals("items")) {
                String problem = unknownSchemaKeyword(field.getValue(), at + ".items");
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }
}
