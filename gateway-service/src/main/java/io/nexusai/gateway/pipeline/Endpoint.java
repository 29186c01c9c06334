package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.ingress.anthropic.MessagesToChatRequest;
import io.nexusai.gateway.pipeline.wire.MessagesWire;
import io.nexusai.gateway.pipeline.wire.OpenAiChatWire;
import io.nexusai.gateway.pipeline.wire.ResponsesWire;

/**
 * The model APIs the gateway serves — its ingress APIs — with the checks a request body must pass before anything is
 * forwarded and the {@link ClientWire} its answers use.
 * Checks cover what the gateway itself relies on (and what a translator needs to be safe); every other field
 * passes through to OpenAI-compatible providers untouched, unknown ones included.
 */
public enum Endpoint {
    CHAT("chat.completions", "chat/completions", true, OpenAiChatWire.INSTANCE) {
        @Override
        void validateBody(ObjectNode body) {
            JsonNode messages = body.get("messages");
            if (messages == null || messages.isNull()) {
                throw ApiException.badRequest("Missing required parameter: 'messages'.", "messages");
            }
            if (!messages.isArray()) {
                throw ApiException.badRequest("Invalid type for 'messages': expected an array of message objects.", "messages");
            }
            if (messages.isEmpty()) {
                throw ApiException.badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
            }
            for (int i = 0; i < messages.size(); i++) {
                JsonNode m = messages.get(i);
                String at = "messages[" + i + "]";
                if (!m.isObject()) {
                    throw ApiException.badRequest("Invalid type for '" + at + "': expected an object.", at);
                }
                if (!m.path("role").isTextual()) {
                    throw ApiException.badRequest("Missing required parameter: '" + at + ".role'.", at + ".role");
                }
                JsonNode content = m.get("content");
                if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                    throw ApiException.badRequest("Invalid type for '" + at + ".content': expected a string or an array of content parts.",
                            at + ".content");
                }
            }
            optionalPositiveInt(body, "max_completion_tokens");
            optionalPositiveInt(body, "n");
            optionalArrayOfObjects(body, "tools");
            JsonNode toolChoice = body.get("tool_choice");
            if (toolChoice != null && !toolChoice.isNull() && !toolChoice.isTextual() && !toolChoice.isObject()) {
                throw ApiException.badRequest("Invalid type for 'tool_choice': expected a string or an object.", "tool_choice");
            }
            optionalStringOrStrings(body, "stop");
        }
    },
    COMPLETIONS("completions", "completions", true, OpenAiChatWire.INSTANCE) {
        @Override
        void validateBody(ObjectNode body) {
            JsonNode prompt = body.get("prompt");
            if (prompt == null || prompt.isNull()) {
                throw ApiException.badRequest("Missing required parameter: 'prompt'.", "prompt");
            }
            if (!prompt.isTextual() && !prompt.isArray()) {
                throw ApiException.badRequest("Invalid type for 'prompt': expected a string or an array.", "prompt");
            }
            optionalStringOrStrings(body, "stop");
        }
    },
    EMBEDDINGS("embeddings", "embeddings", false, OpenAiChatWire.INSTANCE) {
        @Override
        void validateBody(ObjectNode body) {
            JsonNode input = body.get("input");
            if (input == null || input.isNull()) {
                throw ApiException.badRequest("Missing required parameter: 'input'.", "input");
            }
            if (!input.isTextual() && !(input.isArray() && !input.isEmpty())) {
                throw ApiException.badRequest("Invalid 'input': expected a string or a non-empty array.", "input");
            }
            JsonNode format = body.get("encoding_format");
            if (format != null && !format.isNull() && !(format.isTextual() && (format.asText().equals("float") || format.asText().equals("base64")))) {
                throw ApiException.badRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
            }
            optionalPositiveInt(body, "dimensions");
        }

        @Override
        public long maxOutputTokens(JsonNode body, long unspecified) {
            return 0;
        }
    },
    /**
     * The OpenAI Responses API ({@code POST /v1/responses}): its shape is checked here (types, ranges, the item
     * types and tools it knows); what a provider cannot serve is refused by its translator.
     */
    RESPONSES("responses", "responses", true, ResponsesWire.INSTANCE) {
        @Override
        void validateBody(ObjectNode body) {
            ResponsesValidation.validate(body);
        }

        @Override
        public long maxOutputTokens(JsonNode body, long unspecified) {
            JsonNode max = body.get("max_output_tokens");
            return max != null && max.canConvertToLong() && max.asLong() >= 0 ? max.asLong() : unspecified;
        }
    },
    /**
     * Anthropic's Messages API ({@code POST /v1/messages}): Anthropic's checks ({@code max_tokens} required, roles
     * {@code user}/{@code assistant}), answers and errors in Anthropic's format.
     */
    MESSAGES("messages", "messages", true, MessagesWire.INSTANCE) {
        @Override
        void validateBody(ObjectNode body) {
            MessagesToChatRequest.validate(body);
        }
    };

    private final String usageName;
    private final String openAiPath;
    private final boolean streams;
    private final ClientWire wire;

    Endpoint(String usageName, String openAiPath, boolean streams, ClientWire wire) {
        this.usageName = usageName;
        this.openAiPath = openAiPath;
        this.streams = streams;
        this.wire = wire;
    }

    /** How this API answers its clients: error envelope, stream framing (the endpoint's ingress format). */
    public ClientWire wire() {
        return wire;
    }

    /**
     * Whether this API has OpenAI's {@code stream_options.include_usage} (chat completions, completions): the
     * gateway's {@link io.nexusai.gateway.usage.StreamUsagePolicy} then applies. Ingress adapters over chat
     * (Responses, Messages) ask their chat upstream for usage themselves, and their clients see every event.
     */
    public boolean streamUsageOption() {
        return this == CHAT || this == COMPLETIONS;
    }

    /**
     * The most output tokens the request allows per choice, as it asks ({@code max_completion_tokens}, else
     * {@code max_tokens}); {@code unspecified} when it sets none; 0 for APIs that generate no tokens.
     */
    public long maxOutputTokens(JsonNode body, long unspecified) {
        JsonNode max = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        return max != null && max.canConvertToLong() && max.asLong() >= 0 ? max.asLong() : unspecified;
    }

    /** Name on usage events and in logs, e.g. {@code chat.completions}. */
    public String usageName() {
        return usageName;
    }

    /**
     * Path of this API under {@code /v1/} on the gateway, and under an OpenAI-compatible base URL for the
     * providers that serve it natively, e.g. {@code chat/completions}.
     */
    public String openAiPath() {
        return openAiPath;
    }

    /** Checks the body; returns the alias the client asked for and whether it wants a stream. */
    public ParsedRequest parse(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw ApiException.badRequest("You must provide a model parameter.", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiException.badRequest("Invalid type for 'model': expected a non-empty string.", "model");
        }
        boolean stream = false;
        JsonNode s = body.get("stream");
        if (s != null && !s.isNull()) {
            if (!s.isBoolean()) {
                throw ApiException.badRequest("Invalid type for 'stream': expected a boolean.", "stream");
            }
            stream = s.asBoolean();
            if (stream && !streams) {
                throw ApiException.badRequest("This endpoint does not stream.", "stream");
            }
        }
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.badRequest("Invalid type for 'stream_options': expected an object.", "stream_options");
            }
            if (!stream) {
                throw ApiException.badRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
            }
        }
        optionalPositiveInt(body, "max_tokens");
        optionalNumber(body, "temperature");
        optionalNumber(body, "top_p");
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw ApiException.badRequest("Invalid type for 'user': expected a string.", "user");
        }
        validateBody(body);
        return new ParsedRequest(this, body, model.asText(), stream);
    }

    abstract void validateBody(ObjectNode body);

    static void optionalPositiveInt(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v != null && !v.isNull() && (!v.isIntegralNumber() || v.asLong() < 1)) {
            throw ApiException.badRequest("Invalid '" + field + "': expected an integer of at least 1.", field);
        }
    }

    static void optionalNumber(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v != null && !v.isNull() && !v.isNumber()) {
            throw ApiException.badRequest("Invalid type for '" + field + "': expected a number.", field);
        }
    }

    static void optionalArrayOfObjects(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isArray()) {
            throw ApiException.badRequest("Invalid type for '" + field + "': expected an array.", field);
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isObject()) {
                throw ApiException.badRequest("Invalid type for '" + field + "[" + i + "]': expected an object.", field + "[" + i + "]");
            }
        }
    }

    static void optionalStringOrStrings(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull() || v.isTextual()) {
            return;
        }
        if (!v.isArray()) {
            throw ApiException.badRequest("Invalid type for '" + field + "': expected a string or an array of strings.", field);
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ApiException.badRequest("Invalid type for '" + field + "': expected a string or an array of strings.", field);
            }
        }
    }
}
