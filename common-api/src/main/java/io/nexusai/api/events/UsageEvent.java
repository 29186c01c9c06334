package io.nexusai.api.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;

/**
 * One served (or failed) API request, as the gateway appends it to the usage stream. metering-service stores
 * each event once, keyed by {@code requestId}.
 *
 * @param requestId        the gateway's unique id of the request; the idempotency key of metering
 * @param clientRequestId  the client's own {@code x-request-id}, if it sent one
 * @param timestampMs      when the request arrived, epoch milliseconds
 * @param tenantId         tenant of the calling key
 * @param keyId            public id of the calling key
 * @param endpoint         API called, e.g. {@code chat.completions}
 * @param alias            model alias the client asked for
 * @param providerId       provider that served it (0 when none was reached)
 * @param provider         provider name
 * @param deploymentId     model route id that served it
 * @param realModel        model name upstream
 * @param stream           whether the response was streamed
 * @param status           HTTP status returned to the client
 * @param promptTokens     input tokens, cache reads and writes included (OpenAI's {@code prompt_tokens})
 * @param completionTokens output tokens, reasoning included (for streams: those actually delivered)
 * @param estimated        true when the counts come from our tokenizer rather than the provider
 * @param latencyMs        total time in the gateway
 * @param costMultiplier   the route's cost multiplier at the time of the request
 * @param traceId          W3C trace id, if any
 * @param cachedTokens     of the prompt, tokens read from the provider's prompt cache (OpenAI
 *                         {@code prompt_tokens_details.cached_tokens}, Anthropic {@code cache_read_input_tokens})
 * @param cacheWriteTokens of the prompt, tokens written to the prompt cache (Anthropic
 *                         {@code cache_creation_input_tokens})
 * @param reasoningTokens  of the completion, reasoning tokens (OpenAI {@code completion_tokens_details.reasoning_tokens});
 *                         recorded for reporting, billed as output
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageEvent(
        String requestId,
        String clientRequestId,
        long timestampMs,
        String tenantId,
        String keyId,
        String endpoint,
        String alias,
        long providerId,
        String provider,
        long deploymentId,
        String realModel,
        boolean stream,
        int status,
        long promptTokens,
        long completionTokens,
        boolean estimated,
        long latencyMs,
        BigDecimal costMultiplier,
        String traceId,
        long cachedTokens,
        long cacheWriteTokens,
        long reasoningTokens) {

    /** An event without cache or reasoning tokens (and events of gateways that predate them read as such). */
    public UsageEvent(String requestId, String clientRequestId, long timestampMs, String tenantId, String keyId,
                      String endpoint, String alias, long providerId, String provider, long deploymentId, String realModel,
                      boolean stream, int status, long promptTokens, long completionTokens, boolean estimated,
                      long latencyMs, BigDecimal costMultiplier, String traceId) {
        this(requestId, clientRequestId, timestampMs, tenantId, keyId, endpoint, alias, providerId, provider, deploymentId,
                realModel, stream, status, promptTokens, completionTokens, estimated, latencyMs, costMultiplier, traceId,
                0, 0, 0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
