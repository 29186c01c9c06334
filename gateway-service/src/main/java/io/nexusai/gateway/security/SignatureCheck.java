package io.nexusai.gateway.security;

import io.nexusai.api.auth.Principal;
import io.nexusai.api.auth.RequestSignature;
import io.nexusai.api.openai.ApiException;
import io.nexusai.service.config.PlatformSecrets;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;

import java.util.concurrent.ConcurrentHashMap;

/**
 * HMAC request signing for app keys that require it: checks the timestamp (±5 minutes), the signature over
 * method, path, timestamp and body hash, and that the signature was not used before. Signing secrets are
 * decrypted once per envelope and kept in memory only.
 */
@Singleton
public class SignatureCheck {
    private final PlatformSecrets secrets;
    private final ReplayGuard replays;
    private final ConcurrentHashMap<String, String> decrypted = new ConcurrentHashMap<>();

    public SignatureCheck(PlatformSecrets secrets, ReplayGuard replays) {
        this.secrets = secrets;
        this.replays = replays;
    }

    /** Completes when the request is correctly signed (or the key does not sign); fails with 401 otherwise. */
    public Future<Void> check(Principal principal, HttpServerRequest request, Buffer body) {
        if (principal.signingSecretEnvelope() == null) {
            return Future.succeededFuture();
        }
        String timestamp = request.getHeader(RequestSignature.TIMESTAMP_HEADER);
        String signature = request.getHeader(RequestSignature.SIGNATURE_HEADER);
        if (timestamp == null || signature == null) {
            return refuse("This API key must sign its requests: send " + RequestSignature.TIMESTAMP_HEADER + " and "
                    + RequestSignature.SIGNATURE_HEADER + ".", "signature_required");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return refuse("Invalid " + RequestSignature.TIMESTAMP_HEADER + ": expected Unix seconds.", "invalid_signature");
        }
        if (Math.abs(System.currentTimeMillis() / 1000 - ts) > RequestSignature.MAX_SKEW_SECONDS) {
            return refuse("The request timestamp is more than 5 minutes away from the gateway's clock.", "stale_timestamp");
        }
        String secret = decrypted.computeIfAbsent(principal.signingSecretEnvelope(), env -> secrets.cipher().decrypt(env));
        if (!RequestSignature.verify(secret, request.method().name(), request.uri(), ts, body == null ? new byte[0] : body.getBytes(),
                signature)) {
            return refuse("The request signature does not match.", "invalid_signature");
        }
        return replays.firstUse(signature.trim()).compose(first -> first ? Future.succeededFuture()
                : refuse("This signed request was already used (replay).", "replayed_request"));
    }

    private static Future<Void> refuse(String message, String code) {
        return Future.failedFuture(new ApiException(401, io.nexusai.api.openai.ErrorType.AUTHENTICATION, message, null, code));
    }
}
