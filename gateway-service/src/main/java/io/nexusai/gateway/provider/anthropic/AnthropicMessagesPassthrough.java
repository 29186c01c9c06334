package io.nexusai.gateway.provider.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.api.routing.Deployment;
import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.provider.StreamOutput;
import io.nexusai.gateway.provider.TokenUsage;
import io.nexusai.gateway.provider.Translated;
import io.nexusai.gateway.provider.Translator;
import io.nexusai.gateway.provider.UpstreamErrors;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.provider.sse.SseEvent;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic Messages ingress to an Anthropic deployment: native pass-through. The client's body goes upstream as it
 * is but for {@code model} (the deployment's model in place of the alias), with the client's
 * {@code anthropic-version} (else the provider setting {@code anthropic_version}, else
 * {@value AnthropicWire#DEFAULT_VERSION}) and {@code anthropic-beta}. Answers come back as Anthropic sent them, the
 * alias as {@code model}: a whole message re-serialised with its usage read; a stream event by event — block
 * starts and stops and pings as their bytes came, the other events read as trees: {@code message_start} (its
 * {@code message.model} replaced), the deltas (their text goes to the meter, which bills a stream cut short for
 * what it delivered) — its usage read from {@code message_start} and {@code message_delta},
 * {@code message_stop} marking the regular end. An {@code error}
 * event inside the stream ends it as a failure ({@code overloaded_error} as an overload, so the client sees
 * Anthropic's type again). Upstream error responses are normalised like every provider's and written by the
 * ingress in Anthropic's envelope.
 *
 * <p>One instance per request: it keeps the stream state (partial SSE event, usage so far); never shared.
 */
public final class AnthropicMessagesPassthrough implements Translator {
    private static final String API = "messages";
    private static final JsonFactory JSON = new JsonFactory();

    private final ObjectMapper mapper;
    private final Deployment deployment;
    private final String alias;
    private final String anthropicVersion;
    private final String anthropicBeta;
    private final AnthropicStreamUsage counts = new AnthropicStreamUsage();
    private final Relay events = new Relay();

    /**
     * @param anthropicVersion the client's {@code anthropic-version} header, or {@code null}
     * @param anthropicBeta    the client's {@code anthropic-beta} header, or {@code null}
     */
    public AnthropicMessagesPassthrough(ObjectMapper mapper, Deployment deployment, String alias, String anthropicVersion,
                                        String anthropicBeta) {
        this.mapper = mapper;
        this.deployment = deployment;
        this.alias = alias;
        this.anthropicVersion = anthropicVersion;
        this.anthropicBeta = anthropicBeta;
    }

    @Override
    public UpstreamRequest request(ObjectNode clientBody, boolean stream) {
        ObjectNode body = clientBody.deepCopy();
        body.put("model", deployment.realModel());
        UpstreamRequest request = AnthropicWire.upstream(mapper, deployment, body);
        if (anthropicVersion == null && anthropicBeta == null) {
            return request;
        }
        Map<String, String> headers = new HashMap<>(request.headers());
        if (anthropicVersion != null && !anthropicVersion.isBlank()) {
            headers.put("anthropic-version", anthropicVersion);
        }
        if (anthropicBeta != null && !anthropicBeta.isBlank()) {
            headers.put("anthropic-beta", anthropicBeta);
        }
        return new UpstreamRequest(request.url(), request.body(), Map.copyOf(headers));
    }

    /**
     * The upstream request of {@code POST /v1/messages/count_tokens} for this Messages body: the fields that endpoint
     * takes ({@code messages}, {@code system}, {@code tools}, {@code tool_choice}, {@code thinking}), the
     * deployment's model, the same headers as a Messages call.
     */
    public UpstreamRequest countTokens(ObjectNode clientBody) {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", deployment.realModel());
        for (String field : List.of("messages", "system", "tools", "tool_choice", "thinking")) {
            JsonNode v = clientBody.get(field);
            if (v != null && !v.isNull()) {
                body.set(field, v);
            }
        }
        UpstreamRequest messages = request(body, false);
        return new UpstreamRequest(messages.url() + "/count_tokens", AnthropicWire.bytes(mapper, body), messages.headers());
    }

    @Override
    public Translated response(Buffer body) {
        ObjectNode message = AnthropicWire.parseMessage(mapper, deployment, body, API);
        message.put("model", alias);
        return new Translated(message, AnthropicWire.usage(message));
    }

    @Override
    public StreamOutput stream(Buffer piece, boolean endOfStream) {
        return events.feed(piece, endOfStream);
    }

    @Override
    public ApiException error(int status, Buffer body, MultiMap headers) {
        return AnthropicWire.error(mapper, deployment, status, body, headers);
    }

    private ApiException midStream(JsonNode error) {
        JsonNode message = error.path("message");
        String text = message.isTextual() ? message.asText() : null;
        if ("overloaded_error".equals(error.path("type").asText())) {
            return new ApiException(503, ErrorType.UNAVAILABLE.wire(), "The provider '" + deployment.providerName()
                    + "' is overloaded." + (text == null ? "" : " Provider said: " + text), null, "upstream_unavailable",
                    List.of(), null);
        }
        return UpstreamErrors.midStream(deployment.providerName(), text);
    }

    /** The events of the stream, relayed. */
    private final class Relay extends AnthropicEvents {
        private List<OpenAiJson> out;
        private TokenUsage usage;

        @Override
        void begin(int events) {
            out = new ArrayList<>(events);
            usage = null;
        }

        @Override
        ApiException event(SseEvent event) {
            String name = event.event();
            if (name != null && (name.equals("content_block_start") || name.equals("content_block_stop") || name.equals("ping"))) {
                // forwarded as it came, read once for its type and checked to be an object
                OpenAiJson raw = OpenAiJson.scan(JSON, event.bytes(), null);
                if (raw == null) {
                    return AnthropicWire.invalid(deployment, API);
                }
                out.add(raw);
                return null;
            }
            ObjectNode data = AnthropicWire.parseObject(mapper, event.bytes());
            if (data == null) {
                return AnthropicWire.invalid(deployment, API);
            }
            String text = null;
            switch (data.path("type").asText(name == null ? "" : name)) {
                case "content_block_delta" -> {
                    // the text it delivers goes to the meter: a stream cut short is billed for it
                    JsonNode delta = data.path("delta");
                    JsonNode delivered = delta.has("text") ? delta.get("text") : delta.has("partial_json") ? delta.get("partial_json")
                            : delta.get("thinking");
                    text = delivered != null && delivered.isTextual() ? delivered.asText() : null;
                }
                case "message_start" -> {
                    JsonNode message = data.path("message");
                    if (message instanceof ObjectNode m) {
                        m.put("model", alias);
                    }
                    counts.start(message.path("usage"));
                    usage = counts.usage();
                }
                case "message_delta" -> {
                    if (data.path("usage").isObject()) {
                        counts.delta(data.get("usage"));
                        usage = counts.usage();
                    }
                }
                case "message_stop" -> done();
                case "error" -> {
                    return midStream(data.path("error"));
                }
                default -> {
                    // event types added to the API later pass through
                }
            }
            out.add(OpenAiJson.event(data, text));
            return null;
        }

        @Override
        StreamOutput output(boolean done, ApiException error) {
            return new StreamOutput(out, usage, done, error);
        }
    }
}
