package io.nexusai.mock;

import io.vertx.core.MultiMap;

import java.util.Locale;

/**
 * What the mock does to one request instead of, or on top of, answering it normally. Every field is optional
 * ({@code null} = not set) so that a request's headers can be layered over a per-model rule, itself layered over
 * the server's defaults ({@link #orElse(Fault)}).
 *
 * <p>Header syntax, {@value #HEADER}: a list of {@code name=value} items separated by {@code ;} or {@code ,}:
 * <ul>
 *     <li>{@code status=N} — answer with HTTP status N (400–599) and the called API's error body;</li>
 *     <li>{@code retry-after=S} — with {@code status}, also send {@code Retry-After: S};</li>
 *     <li>{@code delay-ms=N} — wait N ms before answering (or failing);</li>
 *     <li>{@code hang} (or {@code hang=true}) — read the request and never answer, keeping the connection open;</li>
 *     <li>{@code drop-after=N} — on a stream, close the TCP connection abruptly after N content chunks (token
 *     pieces: text or tool-argument deltas), so no finish chunk, usage, {@code [DONE]} or {@code message_stop};
 *     a stream with fewer content chunks ends normally. On a non-stream request, close the connection without
 *     answering. 0 = off.</li>
 * </ul>
 * Example: {@code x-mock-fault: status=429;retry-after=2} or {@code x-mock-fault: delay-ms=300, drop-after=3}.
 * Faults apply after authentication and before body validation; a malformed header is answered with a 400.
 * The inter-token delay of streams comes from its own header, {@value #TOKEN_DELAY_HEADER}{@code : N}.
 *
 * @param status       HTTP error status to answer with
 * @param retryAfter   seconds for the {@code Retry-After} header of an error answer
 * @param delayMs      delay before answering
 * @param hang         never answer
 * @param dropAfter    content chunks after which a stream's connection is cut (0 = never)
 * @param tokenDelayMs delay before each content chunk of a stream
 */
record Fault(Integer status, Integer retryAfter, Long delayMs, Boolean hang, Integer dropAfter, Long tokenDelayMs) {
    static final String HEADER = "x-mock-fault";
    static final String TOKEN_DELAY_HEADER = "x-mock-token-delay-ms";
    static final Fault NONE = new Fault(null, null, null, null, null, null);

    Fault {
        if (status != null && (status < 400 || status > 599)) {
            throw new IllegalArgumentException("status must be between 400 and 599, got " + status);
        }
        requireNonNegative("retry-after", retryAfter);
        requireNonNegative("delay-ms", delayMs);
        requireNonNegative("drop-after", dropAfter);
        requireNonNegative("token-delay-ms", tokenDelayMs);
    }

    /** The server-wide defaults: no fault, streams paced by {@code tokenDelayMs}. */
    static Fault defaults(long tokenDelayMs) {
        return new Fault(null, null, 0L, false, 0, tokenDelayMs);
    }

    /**
     * The fault a request asks for with {@value #HEADER} and {@value #TOKEN_DELAY_HEADER}.
     *
     * @throws IllegalArgumentException when a header is malformed
     */
    static Fault fromHeaders(MultiMap headers) {
        Fault fault = parse(headers.get(HEADER));
        String tokenDelay = headers.get(TOKEN_DELAY_HEADER);
        if (tokenDelay != null && !tokenDelay.isBlank()) {
            fault = fault.withTokenDelayMs(parseLong(TOKEN_DELAY_HEADER, tokenDelay.trim()));
        }
        return fault;
    }

    /**
     * Parses the {@value #HEADER} syntax described on this type; {@code null} or blank gives {@link #NONE}.
     *
     * @throws IllegalArgumentException when the value is malformed
     */
    static Fault parse(String spec) {
        Integer status = null;
        Integer retryAfter = null;
        Long delayMs = null;
        Boolean hang = null;
        Integer dropAfter = null;
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        for (String item : spec.split("[;,]")) {
            item = item.trim();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String name = (eq < 0 ? item : item.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : item.substring(eq + 1).trim();
            if (value == null && !name.equals("hang")) {
                throw new IllegalArgumentException(HEADER + ": '" + name + "' needs a value");
            }
            switch (name) {
                case "status" -> status = (int) parseLong(name, value);
                case "retry-after" -> retryAfter = (int) parseLong(name, value);
                case "delay-ms" -> delayMs = parseLong(name, value);
                case "drop-after" -> dropAfter = (int) parseLong(name, value);
                case "hang" -> hang = value == null || parseBoolean(name, value);
                default -> throw new IllegalArgumentException(HEADER + ": unknown item '" + name
                        + "' (known: status, retry-after, delay-ms, hang, drop-after)");
            }
        }
        return new Fault(status, retryAfter, delayMs, hang, dropAfter, null);
    }

    /** This fault, each unset field taken from {@code fallback}. */
    Fault orElse(Fault fallback) {
        return new Fault(
                status != null ? status : fallback.status,
                retryAfter != null ? retryAfter : fallback.retryAfter,
                delayMs != null ? delayMs : fallback.delayMs,
                hang != null ? hang : fallback.hang,
                dropAfter != null ? dropAfter : fallback.dropAfter,
                tokenDelayMs != null ? tokenDelayMs : fallback.tokenDelayMs);
    }

    Fault withTokenDelayMs(long value) {
        return new Fault(status, retryAfter, delayMs, hang, dropAfter, value);
    }

    boolean hangs() {
        return Boolean.TRUE.equals(hang);
    }

    long delay() {
        return delayMs == null ? 0 : delayMs;
    }

    int dropAfterChunks() {
        return dropAfter == null ? 0 : dropAfter;
    }

    long tokenDelay() {
        return tokenDelayMs == null ? 0 : tokenDelayMs;
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not an integer: '" + value + "'");
        }
    }

    private static boolean parseBoolean(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": not a boolean: '" + value + "'");
        };
    }

    private static void requireNonNegative(String name, Number value) {
        if (value != null && value.longValue() < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
