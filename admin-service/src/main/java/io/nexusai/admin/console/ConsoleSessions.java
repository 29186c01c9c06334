package io.nexusai.admin.console;

import io.nexusai.service.config.PlatformSecrets;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * Console sessions, kept server-side in Redis (so that every admin-service replica knows them): under the SHA-256 of
 * the session id (the cookie value; Redis never holds it), the admin key's id, the session's CSRF token, the admin
 * key encrypted with {@code DB_ENCRYPTION_KEY} (the console reads the health matrix and usage from routing and
 * metering services with it) and the sign-in time. Each use pushes the idle expiry back; a session also ends at its
 * maximum age, at sign-out, and when its admin key is revoked ({@link ConsoleFilter} checks that on every request).
 */
@ApplicationScoped
public class ConsoleSessions {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final ReactiveRedisDataSource redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final PlatformSecrets secrets;
    private final ConsoleConfig config;
    private final String prefix;

    /** A live session; {@code id} is the cookie value. */
    public record Session(String id, String keyId, String csrf, String keyEnvelope, long createdMs) {
    }

    public ConsoleSessions(ReactiveRedisDataSource redis, PlatformSecrets secrets, ConsoleConfig config) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
        this.secrets = secrets;
        this.config = config;
        this.prefix = "{" + secrets.redisNames().namespace() + "}:console:session:";
    }

    /** A new random token of 256 bits (session ids, CSRF tokens). */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Starts a session for an admin key that was just checked. */
    public Uni<Session> create(String keyId, String adminKey) {
        Session s = new Session(newToken(), keyId, newToken(), secrets.cipher().encrypt(adminKey), System.currentTimeMillis());
        String key = key(s.id());
        return hashes.hset(key, Map.of("key_id", s.keyId(), "csrf", s.csrf(), "key", s.keyEnvelope(),
                        "created_ms", Long.toString(s.createdMs())))
                .flatMap(n -> redis.key().pexpire(key, config.idleTimeout()))
                .replaceWith(s);
    }

    /** The live session of a cookie value (its idle expiry pushed back), or null. */
    public Uni<Session> find(String id) {
        if (id == null || id.length() != 43) {
            return Uni.createFrom().nullItem();
        }
        String key = key(id);
        return hashes.hgetall(key).flatMap(fields -> {
            if (fields == null || fields.get("key_id") == null || fields.get("csrf") == null || fields.get("key") == null) {
                return Uni.createFrom().nullItem();
            }
            long created = parse(fields.get("created_ms"));
            if (System.currentTimeMillis() - created >= config.maxAge().toMillis()) {
                return end(id).replaceWith((Session) null);
            }
            Session s = new Session(id, fields.get("key_id"), fields.get("csrf"), fields.get("key"), created);
            return redis.key().pexpire(key, config.idleTimeout()).replaceWith(s);
        });
    }

    /** Ends a session (sign-out). */
    public Uni<Void> end(String id) {
        return id == null ? Uni.createFrom().voidItem() : redis.key().del(key(id)).replaceWithVoid();
    }

    /** The admin key of a session, for calls to the other services on its behalf. */
    public String adminKey(Session s) {
        return secrets.cipher().decrypt(s.keyEnvelope());
    }

    /** Constant-time comparison of two tokens; false when either is missing. */
    public static boolean same(String expected, String presented) {
        return expected != null && presented != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }

    private String key(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return prefix + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    private static long parse(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
