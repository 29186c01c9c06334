package io.nexusai.gateway.limits;

import io.nexusai.api.events.RedisNames;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The limiter's Lua scripts ({@code admit.lua}, {@code settle.lua}, {@code release.lua}), run by SHA with a fallback
 * to their text.
 */
public final class Scripts {
    public static final Script ADMIT = load("admit.lua");
    public static final Script SETTLE = load("settle.lua");
    public static final Script RELEASE = load("release.lua");

    private Scripts() {
    }

    /** A script's text and SHA-1 (what {@code EVALSHA} names it by). */
    public record Script(String text, String sha) {
        /** {@code EVALSHA} with the given number of keys; arguments are added by the caller. */
        public Request evalsha(int keys) {
            return Request.cmd(Command.EVALSHA).arg(sha).arg(keys);
        }

        /** {@code EVAL} of the text (for a Redis that has not seen the script yet). */
        public Request eval(int keys) {
            return Request.cmd(Command.EVAL).arg(text).arg(keys);
        }

        /** {@code EVALSHA}, or {@code EVAL} of the text when {@code text} (after a {@code NOSCRIPT} answer). */
        public Request run(int keys, boolean text) {
            return text ? eval(keys) : evalsha(keys);
        }

        public Request load() {
            return Request.cmd(Command.SCRIPT).arg("LOAD").arg(text);
        }
    }

    /**
     * Whether Redis answered that it does not know a script (a node of a cluster that never ran it, a restarted
     * Redis): the command is to be sent again as {@code EVAL}.
     */
    public static boolean noScript(Throwable failure) {
        String m = failure == null ? null : failure.getMessage();
        return m != null && m.contains("NOSCRIPT"); // a batch says "ERR [<index>] NOSCRIPT ..."
    }

    private static Script load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script " + name + " missing");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new Script(text, HexFormat.of().formatHex(sha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code EVALSHA} (or, with {@code text}, {@code EVAL}) of a settlement line ({@link Charge#settlement}), or
     * {@code null} when the line is not whole (a spool file cut short by a crash) or charges no quota (then admission
     * reserved nothing). The reservation is looked for on the quota keys' slot (the tenant's).
     */
    public static Request settle(String line, boolean text) {
        if (!line.endsWith(" .")) {
            return null;
        }
        String[] p = line.split(" ");
        int quotas = (p.length - 4) / 2;
        if (p.length < 6 || (p.length - 4) % 2 != 0) {
            return null;
        }
        Request r = SETTLE.run(2 + quotas, text).arg(RedisNames.reservationsOf(p[3])).arg(RedisNames.reservationExpiriesOf(p[3]));
        for (int q = 0; q < quotas; q++) {
            r.arg(p[3 + 2 * q]);
        }
        r.arg(p[0]).arg(p[1]).arg(p[2]);
        for (int q = 0; q < quotas; q++) {
            r.arg(p[4 + 2 * q]);
        }
        return r;
    }
}
