package io.nexusai.api.crypto;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AES-256-GCM envelope encryption of secrets at rest (provider API keys).
 *
 * <p>A master key-encryption key (KEK) is derived from {@code DB_ENCRYPTION_KEY}. Secrets are encrypted under a
 * random 256-bit data key (DEK); the DEK, wrapped by the KEK, travels inside the envelope, so any holder of
 * {@code DB_ENCRYPTION_KEY} can decrypt without a key table. A new DEK is made when the current one is older
 * than the configured lifetime (hourly by default); {@link #needsReencryption(String)} tells a writer that an
 * envelope's DEK has expired so it can re-encrypt lazily.
 *
 * <p>Envelope: {@code nxenc:v1:<dek id>:<base64url wrapped DEK>:<base64url nonce|ciphertext|tag>}; the DEK id
 * (which holds the DEK's creation second) is authenticated as AAD of both layers. Thread-safe.
 */
public final class EnvelopeCipher {
    public static final String PREFIX = "nxenc:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKeySpec kek;
    private final Duration dataKeyLifetime;
    private final Clock clock;
    private final ConcurrentHashMap<String, SecretKeySpec> unwrapped = new ConcurrentHashMap<>();
    private volatile DataKey current;

    private record DataKey(String id, long createdEpochSecond, SecretKeySpec key, String wrapped) {
    }

    public EnvelopeCipher(String masterSecret, Duration dataKeyLifetime, Clock clock) {
        Secrets.require("DB_ENCRYPTION_KEY", masterSecret);
        this.kek = new SecretKeySpec(hmac(masterSecret.getBytes(StandardCharsets.UTF_8), "nexusai/kek/v1"), "AES");
        this.dataKeyLifetime = dataKeyLifetime;
        this.clock = clock;
    }

    public EnvelopeCipher(String masterSecret, Duration dataKeyLifetime) {
        this(masterSecret, dataKeyLifetime, Clock.systemUTC());
    }

    /** Encrypts under the current data key, rotating it first when it has outlived its lifetime. */
    public String encrypt(String plaintext) {
        DataKey dek = currentDataKey();
        byte[] payload = seal(dek.key(), plaintext.getBytes(StandardCharsets.UTF_8), dek.id());
        return PREFIX + dek.id() + ':' + dek.wrapped() + ':' + B64.encodeToString(payload);
    }

    /** Decrypts an envelope; throws {@link IllegalArgumentException} for anything malformed or forged. */
    public String decrypt(String envelope) {
        Parts parts = parse(envelope);
        SecretKeySpec dek = unwrapped.computeIfAbsent(parts.dekId + ':' + parts.wrapped,
                k -> new SecretKeySpec(open(kek, B64D.decode(parts.wrapped), parts.dekId), "AES"));
        return new String(open(dek, B64D.decode(parts.payload), parts.dekId), StandardCharsets.UTF_8);
    }

    /** Whether the envelope's data key is older than the lifetime (or it is not an envelope at all). */
    public boolean needsReencryption(String envelope) {
        if (!isEnvelope(envelope)) {
            return true;
        }
        long created = parse(envelope).createdEpochSecond();
        return clock.instant().getEpochSecond() - created >= dataKeyLifetime.toSeconds();
    }

    public static boolean isEnvelope(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    private DataKey currentDataKey() {
        DataKey dek = current;
        long now = clock.instant().getEpochSecond();
        if (dek == null || now - dek.createdEpochSecond() >= dataKeyLifetime.toSeconds()) {
            synchronized (this) {
                dek = current;
                if (dek == null || now - dek.createdEpochSecond() >= dataKeyLifetime.toSeconds()) {
                    byte[] raw = new byte[32];
                    RANDOM.nextBytes(raw);
                    byte[] idRandom = new byte[6];
                    RANDOM.nextBytes(idRandom);
                    String id = Long.toString(now, 36) + "." + B64.encodeToString(idRandom);
                    String wrapped = B64.encodeToString(seal(kek, raw, id));
                    dek = new DataKey(id, now, new SecretKeySpec(raw, "AES"), wrapped);
                    current = dek;
                }
            }
        }
        return dek;
    }

    private record Parts(String dekId, String wrapped, String payload) {
        long createdEpochSecond() {
            return Long.parseLong(dekId.substring(0, dekId.indexOf('.')), 36);
        }
    }

    private static Parts parse(String envelope) {
        if (!isEnvelope(envelope)) {
            throw new IllegalArgumentException("not a NexusAI secret envelope");
        }
        String[] p = envelope.substring(PREFIX.length()).split(":", -1);
        if (p.length != 3 || p[0].indexOf('.') <= 0) {
            throw new IllegalArgumentException("malformed secret envelope");
        }
        return new Parts(p[0], p[1], p[2]);
    }

    private static byte[] seal(SecretKeySpec key, byte[] plaintext, String aad) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] ct = cipher.doFinal(plaintext);
            byte[] out = new byte[NONCE_BYTES + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    private static byte[] open(SecretKeySpec key, byte[] sealed, String aad) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("secret envelope too short");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("secret envelope does not decrypt under DB_ENCRYPTION_KEY");
        }
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
