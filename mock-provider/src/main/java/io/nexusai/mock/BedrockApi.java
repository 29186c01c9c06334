package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.mock.Replies.Completion;
import io.nexusai.mock.Replies.Finish;
import io.nexusai.mock.SseStream.Event;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS Bedrock Runtime's Converse API: {@code POST /model/{modelId}/converse} (JSON) and
 * {@code /model/{modelId}/converse-stream} (AWS's binary event stream, {@code application/vnd.amazon.eventstream}:
 * {@code messageStart}, {@code contentBlockStart} for a tool use, {@code contentBlockDelta}s, {@code contentBlockStop},
 * {@code messageStop}, {@code metadata}; each payload padded with a {@code p} field, as AWS does). Every answer
 * carries {@code x-amzn-RequestId}; errors are {@code {"message"}} with the exception's name in
 * {@code x-amzn-ErrorType}.
 *
 * <p>Requests are signed with SigV4 when the server has an API key: the access key id must be
 * {@link #ACCESS_KEY_ID} and the secret access key is the server's key. The signature is checked by signing the
 * request again with the AWS SDK's signer (same signed headers, body, time, region): a request without one is a
 * 403 {@code MissingAuthenticationTokenException}, another key id a 403 {@code UnrecognizedClientException}, a
 * signature for another service or that does not match a 403 {@code InvalidSignatureException}. A session token
 * ({@code X-Amz-Security-Token}) is taken as given.
 *
 * <p>The reply is {@code "Mock reply from <model>: <text blocks of the last user message>"}, cut before a
 * {@code stopSequences} match and at {@code maxTokens}. With {@code toolConfig.tools}, a last user message without
 * {@code toolResult} blocks is answered with a {@code toolUse} of the first tool (or the one {@code toolChoice.tool}
 * names) with arguments from {@link SchemaValues}; a last user message with {@code toolResult}s is answered
 * {@code "Tool result: <their text (or JSON) content, joined with \n>"}. Usage: {@code inputTokens} = tokens of the
 * system text blocks + Σ tokens of each message's text and tool result content, in order; {@code outputTokens} =
 * tokens of the reply (or of the tool's name + compact JSON input). Prompt caching: a {@code cachePoint} block in
 * {@code system} caches the system text before it — the first request with that model and prefix writes it
 * ({@code cacheWriteInputTokens}), later ones read it ({@code cacheReadInputTokens}); either way {@code inputTokens}
 * is the rest, as at AWS (no minimum length, no expiry). Validation follows Converse's rules with AWS's
 * wording (a conversation starts with a user message and alternates roles, no blank text, tool blocks need a
 * {@code toolConfig}, ...).
 */
final class BedrockApi {
    /** The access key id the mock knows; its secret access key is the server's API key. */
    static final String ACCESS_KEY_ID = MockProviderServer.BEDROCK_ACCESS_KEY_ID;
    static final String ERROR_TYPE = "x-amzn-ErrorType";
    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    private static final String PATH = "/model/([^/]+)/(converse|converse-stream)";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/,]+)/(\\d{8})/([^/,]+)/([^/,]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    private static final Set<String> FIELDS = Set.of("messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig",
            "additionalModelRequestFields", "additionalModelResponseFieldPaths", "promptVariables", "requestMetadata",
            "performanceConfig");
    private static final Set<String> BLOCKS = Set.of("text", "image", "document", "video", "toolUse", "toolResult", "guardContent",
            "cachePoint", "reasoningContent");
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");

    private final MockState mock;
    /** System prompt prefixes written to the cache: the model and the system blocks before the cache point, as JSON. */
    private final Set<String> cachedPrefixes = ConcurrentHashMap.newKeySet();

    BedrockApi(MockState mock) {
        this.mock = mock;
    }

    void register(Router router) {
        router.postWithRegex(PATH).handler(this::converse);
    }

    /** The exception name Bedrock sends with an HTTP status, as {@code x-amzn-ErrorType} writes it. */
    static String errorType(int status) {
        String name = switch (status) {
            case 400 -> "ValidationException";
            case 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 424 -> "ModelErrorException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> status >= 500 ? "InternalServerException" : "ValidationException";
        };
        return name + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
    }

    private void converse(RoutingContext ctx) {
        String model = ctx.pathParam("param0");
        boolean stream = "converse-stream".equals(ctx.pathParam("param1"));
        ctx.response().putHeader("x-amzn-RequestId", UUID.randomUUID().toString());
        ApiCall call = ApiCall.open(ctx, mock, ErrorFormat.BEDROCK, model);
        if (call == null) {
            return;
        }
        if (mock.apiKey() != null) {
            String refused = authenticate(ctx.request(), ctx.body().buffer());
            if (refused != null) {
                ctx.response().putHeader(ERROR_TYPE, refused.substring(0, refused.indexOf(' ')));
                call.error(403, ErrorFormat.bedrock(refused.substring(refused.indexOf(' ') + 1)));
                return;
            }
        }
        call.run(() -> answer(call, model, stream));
    }

    // ---------------------------------------------------------------- SigV4

    /** Why AWS would refuse the request's signature ({@code "<ExceptionName> <message>"}), or {@code null} when it is good. */
    private String authenticate(HttpServerRequest request, Buffer body) {
        String authorization = request.getHeader("Authorization");
        String date = request.getHeader("X-Amz-Date");
        if (authorization == null || date == null) {
            return "MissingAuthenticationTokenException Missing Authentication Token";
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            return "IncompleteSignatureException Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.";
        }
        if (!ACCESS_KEY_ID.equals(m.group(1))) {
            return "UnrecognizedClientException The security token included in the request is invalid.";
        }
        if (!"bedrock".equals(m.group(4))) {
            return "InvalidSignatureException Credential should be scoped to correct service: 'bedrock'.";
        }
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return "IncompleteSignatureException Date must be in ISO-8601 'basic format'.";
        }
        if (!date.startsWith(m.group(2))) {
            return "InvalidSignatureException Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.";
        }
        String token = request.getHeader("X-Amz-Security-Token");
        AwsCredentialsIdentity identity = token == null ? AwsCredentialsIdentity.create(ACCESS_KEY_ID, mock.apiKey())
                : AwsSessionCredentialsIdentity.create(ACCESS_KEY_ID, mock.apiKey(), token);
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(request.method().name()))
                .uri(URI.create("http://" + request.getHeader("Host") + request.uri()));
        for (String name : m.group(5).split(";")) {
            if (!name.equals("host") && request.getHeader(name) != null) {
                unsigned.putHeader(name, request.getHeader(name));
            }
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        String expected = SIGNER.sign(r -> r.identity(identity).request(unsigned.build())
                        .payload(() -> new ByteArrayInputStream(bytes))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, m.group(3))
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        Matcher computed = AUTHORIZATION.matcher(expected);
        if (!computed.matches() || !computed.group(5).equals(m.group(5))
                || !MessageDigest.isEqual(computed.group(6).getBytes(StandardCharsets.US_ASCII), m.group(6).getBytes(StandardCharsets.US_ASCII))) {
            return "InvalidSignatureException The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
        }
        return null;
    }

    // ---------------------------------------------------------------- answers

    private void answer(ApiCall call, String model, boolean stream) {
        JsonNode body = call.body();
        String problem = validate(body);
        if (problem != null) {
            call.invalid(problem, null);
            return;
        }
        JsonNode messages = body.get("messages");
        Completion completion = completion(body, model, messages);
        int inputTokens = TokenCounter.count(texts(body.path("system")));
        for (JsonNode message : messages) {
            inputTokens += TokenCounter.count(texts(message.path("content")));
        }
        Cache cache = cache(model, body.path("system"));
        String stopReason = switch (completion.finish()) {
            case LENGTH -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case TOOL_CALL -> "tool_use";
            default -> "end_turn";
        };
        ObjectNode usage = Json.object();
        usage.put("inputTokens", inputTokens - (cache == null ? 0 : cache.writeTokens() + cache.readTokens()));
        usage.put("outputTokens", completion.outputTokens());
        usage.put("totalTokens", inputTokens + completion.outputTokens());
        if (cache != null) {
            usage.put("cacheReadInputTokens", cache.readTokens());
            usage.put("cacheWriteInputTokens", cache.writeTokens());
        }
        String toolUseId = "tooluse_" + Ids.random("", 22);
        if (!stream) {
            ObjectNode out = Json.object();
            ObjectNode message = out.putObject("output").putObject("message");
            message.put("role", "assistant");
            ArrayNode content = message.putArray("content");
            if (completion.isToolCall()) {
                ObjectNode use = content.addObject().putObject("toolUse");
                use.put("toolUseId", toolUseId);
                use.put("name", completion.toolCall().name());
                use.set("input", completion.toolCall().input());
            } else {
                content.addObject().put("text", completion.text());
            }
            out.put("stopReason", stopReason);
            out.set("usage", usage);
            out.putObject("metrics").put("latencyMs", 42);
            call.reply(out);
            return;
        }
        List<Event> events = new ArrayList<>();
        events.add(event("messageStart", Json.object().put("role", "assistant"), false));
        if (completion.isToolCall()) {
            ObjectNode start = Json.object().put("contentBlockIndex", 0);
            start.putObject("start").putObject("toolUse").put("toolUseId", toolUseId).put("name", completion.toolCall().name());
            events.add(event("contentBlockStart", start, false));
            for (String piece : completion.toolCall().argumentPieces()) {
                ObjectNode delta = Json.object().put("contentBlockIndex", 0);
                delta.putObject("delta").putObject("toolUse").put("input", piece);
                events.add(event("contentBlockDelta", delta, true));
            }
        } else {
            for (String piece : completion.pieces()) {
                ObjectNode delta = Json.object().put("contentBlockIndex", 0);
                delta.putObject("delta").put("text", piece);
                events.add(event("contentBlockDelta", delta, true));
            }
        }
        events.add(event("contentBlockStop", Json.object().put("contentBlockIndex", 0), false));
        events.add(event("messageStop", Json.object().put("stopReason", stopReason), false));
        ObjectNode metadata = Json.object();
        metadata.set("usage", usage);
        metadata.putObject("metrics").put("latencyMs", 42);
        events.add(event("metadata", metadata, false));
        call.stream(events, EVENT_STREAM);
    }

    /** Tokens of a cached prompt prefix, written to the cache by this request or read from it. */
    record Cache(int writeTokens, int readTokens) {
    }

    /**
     * The system text before a {@code cachePoint} block, written on the first sight of this model and prefix and read
     * afterwards; {@code null} without a cache point.
     */
    private Cache cache(String model, JsonNode system) {
        ArrayNode prefix = Json.array();
        for (JsonNode block : system) {
            if (block.has("cachePoint")) {
                int tokens = TokenCounter.count(texts(prefix));
                return cachedPrefixes.add(model + "\n" + Json.write(prefix)) ? new Cache(tokens, 0) : new Cache(0, tokens);
            }
            prefix.add(block);
        }
        return null;
    }

    /** One event-stream message of type {@code event}; the payload gets AWS's {@code p} padding. */
    static Event event(String type, ObjectNode payload, boolean content) {
        payload.put("p", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".substring(0, 1 + Math.abs(type.hashCode()) % 40));
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        ByteBuffer encoded = new Message(headers, Json.write(payload).getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return new Event(Buffer.buffer(bytes), content);
    }

    /** A tool use, the answer to tool results, or the mock reply — see the type's documentation. */
    private static Completion completion(JsonNode body, String model, JsonNode messages) {
        JsonNode last = messages.get(messages.size() - 1);
        StringBuilder userText = new StringBuilder();
        List<String> toolResults = new ArrayList<>();
        if ("user".equals(last.path("role").asText())) {
            for (JsonNode block : last.path("content")) {
                if (block.path("text").isTextual()) {
                    userText.append(block.get("text").asText());
                } else if (block.path("toolResult").isObject()) {
                    toolResults.add(texts(block.get("toolResult").path("content")));
                }
            }
        }
        JsonNode tools = body.path("toolConfig").path("tools");
        if (!tools.isEmpty() && toolResults.isEmpty()) {
            JsonNode spec = tools.get(0).path("toolSpec");
            String wanted = body.path("toolConfig").path("toolChoice").path("tool").path("name").asText(null);
            for (JsonNode tool : tools) {
                if (tool.path("toolSpec").path("name").asText().equals(wanted)) {
                    spec = tool.get("toolSpec");
                }
            }
            return Replies.toolCall("", spec.path("name").asText(), spec.path("inputSchema").path("json"), userText.toString());
        }
        String text = toolResults.isEmpty() ? MockProviderServer.REPLY_PREFIX + model + ": " + userText
                : Replies.TOOL_RESULT_PREFIX + String.join("\n", toolResults);
        JsonNode config = body.path("inferenceConfig");
        List<String> stops = new ArrayList<>();
        config.path("stopSequences").forEach(stop -> stops.add(stop.asText()));
        return Replies.text(text, config.path("maxTokens").asInt(0), stops);
    }

    /** The text the mock counts in content blocks: text blocks, and tool results' text or JSON content, in order. */
    private static String texts(JsonNode blocks) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : blocks) {
            if (block.path("text").isTextual()) {
                sb.append(block.get("text").asText());
            } else if (block.has("json")) {
                sb.append(Json.write(block.get("json")));
            } else if (block.path("toolResult").isObject()) {
                sb.append(texts(block.get("toolResult").path("content")));
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- validation

    /** What AWS would say is wrong with the request, or {@code null} when it is valid. */
    private static String validate(JsonNode body) {
        for (var field : body.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                return "Malformed input request: extraneous key [" + field.getKey() + "] is not permitted, please reformat your input "
                        + "and try again.";
            }
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
        }
        boolean toolBlocks = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText();
            if (i == 0 && !role.equals("user")) {
                return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
            }
            if (!role.equals("user") && !role.equals("assistant")) {
                return "1 validation error detected: Value '" + role + "' at 'messages." + (i + 1) + ".member.role' failed to satisfy "
                        + "constraint: Member must satisfy enum value set: [user, assistant]";
            }
            if (i > 0 && role.equals(messages.get(i - 1).path("role").asText())) {
                return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
                        + "between user and assistant roles and try again.";
            }
            JsonNode content = message.get("content");
            if (content == null || !content.isArray() || content.isEmpty()) {
                return "The content field in the Message object at messages." + i + " is empty. Add a ContentBlock object to the "
                        + "content field and try again.";
            }
            for (int j = 0; j < content.size(); j++) {
                JsonNode block = content.get(j);
                String at = "messages." + i + ".content." + j;
                String problem = validateBlock(block, at, role);
                if (problem != null) {
                    return problem;
                }
                toolBlocks |= block.has("toolUse") || block.has("toolResult");
            }
        }
        for (JsonNode block : body.path("system")) {
            if (block.path("text").isTextual() && block.get("text").asText().isBlank()) {
                return "The text field in the SystemContentBlock object is blank. Add text to the text field, and try again.";
            }
        }
        JsonNode config = body.path("inferenceConfig");
        if (config.has("maxTokens") && (!config.get("maxTokens").isIntegralNumber() || config.get("maxTokens").asInt() < 1)) {
            return "1 validation error detected: Value '" + config.get("maxTokens") + "' at 'inferenceConfig.maxTokens' failed to "
                    + "satisfy constraint: Member must have value greater than or equal to 1";
        }
        for (String unit : List.of("temperature", "topP")) {
            JsonNode v = config.get(unit);
            if (v != null && (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1)) {
                return "1 validation error detected: Value '" + v + "' at 'inferenceConfig." + unit + "' failed to satisfy "
                        + "constraint: Member must have value less than or equal to 1";
            }
        }
        if (config.has("stopSequences") && (!config.get("stopSequences").isArray() || config.get("stopSequences").size() > 4)) {
            return "1 validation error detected: Value at 'inferenceConfig.stopSequences' failed to satisfy constraint: Member must "
                    + "have length less than or equal to 4";
        }
        JsonNode toolConfig = body.get("toolConfig");
        if (toolBlocks && toolConfig == null) {
            return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
        }
        return toolConfig == null ? null : validateTools(toolConfig);
    }

    private static String validateBlock(JsonNode block, String at, String role) {
        List<String> kinds = new ArrayList<>();
        block.fieldNames().forEachRemaining(kinds::add);
        if (kinds.size() != 1 || !BLOCKS.contains(kinds.getFirst())) {
            return "Malformed input request: #/" + at.replace('.', '/') + ": expected exactly one of " + BLOCKS + ", please reformat "
                    + "your input and try again.";
        }
        switch (kinds.getFirst()) {
            case "text" -> {
                if (!block.get("text").isTextual() || block.get("text").asText().isBlank()) {
                    return "The text field in the ContentBlock object at " + at + " is blank. Add text to the text field, and try again.";
                }
            }
            case "image" -> {
                JsonNode image = block.get("image");
                if (!IMAGE_FORMATS.contains(image.path("format").asText()) || !image.path("source").path("bytes").isTextual()) {
                    return "The format or source of the image at " + at + " is not valid: use png, jpeg, gif or webp with base64 bytes.";
                }
            }
            case "toolUse" -> {
                JsonNode use = block.get("toolUse");
                if (!role.equals("assistant") || !use.path("toolUseId").isTextual() || !use.path("name").isTextual()
                        || !use.path("input").isObject()) {
                    return "The toolUse block at " + at + " needs toolUseId, name and an input object, in an assistant message.";
                }
            }
            case "toolResult" -> {
                JsonNode result = block.get("toolResult");
                if (!role.equals("user") || !result.path("toolUseId").isTextual() || !result.path("content").isArray()) {
                    return "The toolResult block at " + at + " needs toolUseId and content, in a user message.";
                }
            }
            default -> {
            }
        }
        return null;
    }

    private static String validateTools(JsonNode toolConfig) {
        JsonNode tools = toolConfig.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return "1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have "
                    + "length greater than or equal to 1";
        }
        for (int k = 0; k < tools.size(); k++) {
            JsonNode spec = tools.get(k).path("toolSpec");
            if (!spec.path("name").isTextual() || !spec.path("inputSchema").path("json").isObject()) {
                return "The toolSpec at toolConfig.tools." + k + " needs a name and an inputSchema.json object.";
            }
        }
        JsonNode choice = toolConfig.get("toolChoice");
        if (choice != null && !(choice.has("auto") || choice.has("any") || choice.path("tool").path("name").isTextual())) {
            return "Malformed input request: toolConfig.toolChoice must be one of auto, any or tool, please reformat your input and try again.";
        }
        return null;
    }
}
