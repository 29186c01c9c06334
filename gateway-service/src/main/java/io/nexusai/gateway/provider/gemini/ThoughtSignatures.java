package io.nexusai.gateway.provider.gemini;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Carries Gemini's {@code thoughtSignature} of a {@code functionCall} through the OpenAI client and back, in the
 * tool call id. Thinking models (Gemini 2.5, 3) sign their function calls, and Gemini 3 refuses (400) a history
 * whose latest function calls come back without their signature; an OpenAI client only keeps the tool call's id,
 * name and arguments, and the gateway keeps no conversation state, so the signature travels inside the id:
 * {@code call_<id>__sig_<signature as base64url without padding>} (letters, digits, {@code _} and {@code -} only,
 * so the id stays valid for vendors that restrict ids, such as Anthropic).
 *
 * <p>A call without a signature sent to a Gemini 3 (or later) model — one the client made up, or that another
 * provider produced before a failover — gets Google's documented placeholder {@value #SKIP_VALIDATOR} on the
 * first call of its turn (only the first of parallel calls is signed), so the request is not refused.
 */
final class ThoughtSignatures {
    static final String MARKER = "__sig_";
    static final String SKIP_VALIDATOR = "skip_thought_signature_validator";
    private static final Pattern MAJOR = Pattern.compile("(?:^|/)gemini-(\\d+)");

    private ThoughtSignatures() {
    }

    /** The tool call id for a call id and the signature of its part ({@code null} when unsigned). */
    static String id(String callId, String signature) {
        if (signature == null || signature.isEmpty()) {
            return callId;
        }
        StringBuilder out = new StringBuilder(callId.length() + MARKER.length() + signature.length()).append(callId).append(MARKER);
        for (int i = 0; i < signature.length(); i++) {
            char c = signature.charAt(i);
            switch (c) {
                case '+' -> out.append('-');
                case '/' -> out.append('_');
                case '=' -> {
                    // padding: restored on the way back
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The signature a tool call id carries, as standard padded base64, or {@code null}. */
    static String signature(String toolCallId) {
        int at = toolCallId.indexOf(MARKER);
        if (at < 0 || at + MARKER.length() == toolCallId.length()) {
            return null;
        }
        String encoded = toolCallId.substring(at + MARKER.length());
        StringBuilder out = new StringBuilder(encoded.length() + 3);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            out.append(c == '-' ? '+' : c == '_' ? '/' : c);
        }
        while (out.length() % 4 != 0) {
            out.append('=');
        }
        return out.toString();
    }

    /** Whether the model validates signatures strictly (Gemini 3 and later). */
    static boolean required(String realModel) {
        Matcher m = MAJOR.matcher(realModel);
        return m.find() && Integer.parseInt(m.group(1)) >= 3;
    }
}
