package io.nexusai.gateway.pipeline;

import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. */
public final class Pipeline {
    private static final int MAX_REQUEST_ID = 128;
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    public void handle(RoutingContext http) {
        new ProxyContext(http, stages, newRequestId(), clientRequestId(http.request().getHeader("x-request-id"))).proceed();
    }

    /** The client's {@code x-request-id} when it is sane (ASCII letters, digits, {@code -_.:}, at most 128), else {@code null}. */
    static String clientRequestId(String presented) {
        if (presented != null && !presented.isEmpty() && presented.length() <= MAX_REQUEST_ID
                && presented.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':'))) {
            return presented;
        }
        return null;
    }

    /** A new unique request id: 128 random bits. */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + hex16(r.nextLong()) + hex16(r.nextLong());
    }

    private static String hex16(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }
}
