package io.nexusai.gateway.usage;

import io.nexusai.gateway.provider.OpenAiJson;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.provider.TokenUsage;

/**
 * Keeps the usage of one request: what the provider reported and, for streams, the text actually delivered
 * to the client, so a stream that ends early is billed for what the client got. One per request (attachment);
 * confined to the request's event loop.
 */
public final class UsageMeter {
    private final TokenEstimator estimator;
    private final ParsedRequest request;
    private final StringBuilder delivered = new StringBuilder();
    private TokenUsage reported;
    private boolean started;
    private boolean cut;

    public UsageMeter(TokenEstimator estimator, ParsedRequest request) {
        this.estimator = estimator;
        this.request = request;
    }

    /** Usage as reported by the provider (the latest report wins). */
    public void reported(TokenUsage usage) {
        if (usage != null) {
            reported = usage;
        }
    }

    /** A successful response began to flow to the client: from here on the request is billable. */
    public void started() {
        started = true;
    }

    /** Notes the text of a response object or stream chunk that went to the client. */
    public void delivered(OpenAiJson chunk) {
        chunk.appendText(delivered);
    }

    /** Whether any text (content, refusal, tool call) has gone to the client yet. */
    public boolean deliveredText() {
        return delivered.length() > 0;
    }

    /** The response ended early (client gone, provider failed mid-stream): bill what was delivered. */
    public void cut() {
        cut = true;
    }

    /**
     * The usage to bill: nothing when no successful response began; the provider's report for a complete
     * response; otherwise (no report, or a stream cut short) the prompt as reported (with its cache reads and
     * writes) or counted, and the delivered text counted (no reasoning tokens known), marked as estimated.
     */
    public TokenUsage finalUsage() {
        if (!started) {
            return TokenUsage.NONE;
        }
        boolean hasReport = reported != null && reported.promptTokens() + reported.completionTokens() > 0;
        if (hasReport && !cut) {
            return reported;
        }
        if (hasReport && reported.promptTokens() > 0) {
            return new TokenUsage(reported.promptTokens(), estimator.count(delivered), reported.cachedTokens(),
                    reported.cacheWriteTokens(), 0, true);
        }
        return new TokenUsage(estimator.prompt(request.endpoint().usageName(), request.body()), estimator.count(delivered), true);
    }
}
