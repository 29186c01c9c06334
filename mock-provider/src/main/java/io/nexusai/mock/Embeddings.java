package io.nexusai.mock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.SplittableRandom;

/**
 * Deterministic unit-length embedding vectors: the same input bytes and dimensions always give the same vector,
 * seeded from the SHA-256 of the input.
 */
final class Embeddings {
    /** Dimensions when the request does not ask for any. */
    static final int DEFAULT_DIMENSIONS = 16;
    static final int MAX_DIMENSIONS = 8192;

    private Embeddings() {
    }

    /** The vector of {@code input} (UTF-8 text, or the bytes its tokens decode to). */
    static float[] vector(byte[] input, int dimensions) {
        SplittableRandom random = new SplittableRandom(seed(input));
        double[] raw = new double[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            raw[i] = random.nextDouble(-1.0, 1.0);
            norm += raw[i] * raw[i];
        }
        norm = Math.sqrt(norm);
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (norm == 0 ? (i == 0 ? 1 : 0) : raw[i] / norm);
        }
        return vector;
    }

    /** {@code vector} as OpenAI's {@code encoding_format: "base64"}: little-endian float32s, base64-encoded. */
    static String base64(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            buffer.putFloat(value);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    private static long seed(byte[] input) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(input);
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
