package io.nexusai.api;

/** W3C trace ids (trace context level 1): 32 lowercase hex digits, not all zero. */
public final class TraceIds {
    private TraceIds() {
    }

    /** Whether {@code id} is a valid W3C trace id. */
    public static boolean isValid(String id) {
        if (id == null || id.length() != 32) {
            return false;
        }
        boolean nonZero = false;
        for (int i = 0; i < 32; i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    /** {@code id} when it is a valid W3C trace id, else {@code null} (an event from an older or foreign writer). */
    public static String sanitize(String id) {
        return isValid(id) ? id : null;
    }
}
