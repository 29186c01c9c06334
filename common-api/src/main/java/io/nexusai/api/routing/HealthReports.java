package io.nexusai.api.routing;

/**
 * How gateways publish their {@link TargetReport}s through Redis (names from {@code RedisNames}), only on change:
 * <ul>
 *   <li>the health hash keeps the latest report of each {@code <gateway>|<target>} field (JSON), for a reader
 *   starting up or resyncing, which reads it with {@code HSCAN} in pages;</li>
 *   <li>the health stream gets one entry per publish with the gateway ({@link #GATEWAY}), its sequence number
 *   ({@link #SEQ}, 1, 2, ... per gateway process: a jump tells a reader it missed trimmed entries), the time
 *   ({@link #AT}) and one field per target whose report changed: the target key, and the report's JSON, or
 *   {@link #REMOVED} when the gateway no longer routes to the target; a very large publish is cut into several
 *   entries of at most a few hundred targets;</li>
 *   <li>the heartbeat hash gets the gateway's {@link #heartbeat} at every publish, changed or not, so that its
 *   unchanged reports count as current while it lives.</li>
 * </ul>
 */
public final class HealthReports {
    /** Stream entry field: the reporting gateway. */
    public static final String GATEWAY = "gw";
    /** Stream entry field: the gateway's sequence number of the entry. */
    public static final String SEQ = "seq";
    /** Stream entry field: when the gateway published (epoch ms). */
    public static final String AT = "at";
    /** A target's value in a stream entry when the gateway no longer routes to it. */
    public static final String REMOVED = "";

    private HealthReports() {
    }

    /** The health hash field of a gateway's report on a target. */
    public static String field(String gateway, String target) {
        return gateway + "|" + target;
    }

    /** Whether a stream entry field is a target key (not {@link #GATEWAY}, {@link #SEQ} or {@link #AT}). */
    public static boolean isTarget(String entryField) {
        return !GATEWAY.equals(entryField) && !SEQ.equals(entryField) && !AT.equals(entryField);
    }

    /** A heartbeat hash value: {@code "<epoch ms> <last sequence number>"}. */
    public static String heartbeat(long atMs, long seq) {
        return atMs + " " + seq;
    }

    /** The time of a heartbeat value (epoch ms), or -1 when it is not one. */
    public static long heartbeatAt(String value) {
        return part(value, 0);
    }

    /** The sequence number of a heartbeat value, or -1 when it is not one. */
    public static long heartbeatSeq(String value) {
        return part(value, 1);
    }

    private static long part(String value, int index) {
        if (value == null) {
            return -1;
        }
        String[] p = value.trim().split(" ");
        try {
            return p.length == 2 ? Long.parseLong(p[index]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
