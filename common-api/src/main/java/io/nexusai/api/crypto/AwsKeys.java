package io.nexusai.api.crypto;

import java.util.regex.Pattern;

/**
 * The AWS credentials of a Bedrock provider, as one secret: admin-service encrypts {@link #encode()} into the
 * provider's API key envelope (so they are encrypted, rotated and never shown like any provider key), the gateway
 * {@linkplain #decode decodes} the decrypted text once per routing snapshot. The text is
 * {@code aws4:<access key id>:<secret access key>} and, with temporary credentials, {@code :<session token>}; none
 * of the three may contain {@code :} or white space (AWS's never do). {@link #toString()} shows only the masked
 * key id.
 *
 * @param accessKeyId     the access key id ({@code AKIA…}, {@code ASIA…} for temporary credentials)
 * @param secretAccessKey the secret access key
 * @param sessionToken    the session token of temporary credentials, or {@code null}
 */
public record AwsKeys(String accessKeyId, String secretAccessKey, String sessionToken) {
    private static final String PREFIX = "aws4:";
    /** What an access key id looks like (AWS: 16 to 128 word characters). */
    public static final Pattern ACCESS_KEY_ID = Pattern.compile("\\w{16,128}");
    /** What a secret access key or session token may contain here: no white space, no {@code :}. */
    public static final Pattern SECRET = Pattern.compile("[^\\s:]{1,8192}");

    public AwsKeys {
        if (accessKeyId == null || !ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
            throw new IllegalArgumentException("an AWS access key id has 16 to 128 letters, digits or _");
        }
        if (secretAccessKey == null || !SECRET.matcher(secretAccessKey).matches()) {
            throw new IllegalArgumentException("an AWS secret access key has no white space and no ':'");
        }
        if (sessionToken != null && sessionToken.isEmpty()) {
            sessionToken = null;
        }
        if (sessionToken != null && !SECRET.matcher(sessionToken).matches()) {
            throw new IllegalArgumentException("an AWS session token has no white space and no ':'");
        }
    }

    /** The one-string form that is encrypted. */
    public String encode() {
        return PREFIX + accessKeyId + ":" + secretAccessKey + (sessionToken == null ? "" : ":" + sessionToken);
    }

    /** Whether a decrypted provider secret is in this form. */
    public static boolean isEncoded(String secret) {
        return secret != null && secret.startsWith(PREFIX);
    }

    /** The credentials of an {@link #encode() encoded} secret; {@link IllegalArgumentException} when it is not one. */
    public static AwsKeys decode(String secret) {
        if (!isEncoded(secret)) {
            throw new IllegalArgumentException("not an AWS credentials secret");
        }
        String[] parts = secret.substring(PREFIX.length()).split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("not an AWS credentials secret");
        }
        return new AwsKeys(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** How the admin API shows them: the key id masked like any provider key. */
    public String hint() {
        return Masking.mask(accessKeyId);
    }

    @Override
    public String toString() {
        return "AwsKeys[" + hint() + (sessionToken == null ? "" : ", with session token") + "]";
    }
}
