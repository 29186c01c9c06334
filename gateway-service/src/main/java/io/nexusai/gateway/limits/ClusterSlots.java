package io.nexusai.gateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Which master of a Redis Cluster serves which hash slot, so that the limiter can pipeline the admissions of a tick
 * per master (Vert.x's cluster connection batches only commands of one slot). The map comes from {@code CLUSTER SLOTS}
 * (asked of any node through the cluster client) and is asked again after a {@code MOVED} answer or a lost master;
 * the slot of a key is computed here (CRC16 of its hash tag, per the Redis Cluster specification), as every cluster
 * client does.
 */
final class ClusterSlots {
    static final int SLOTS = 16_384;
    private static final Logger LOG = Logger.getLogger(ClusterSlots.class);
    private static final int[] CRC16 = new int[256];

    static {
        // CRC16-CCITT (XModem): polynomial 0x1021, initial value 0 — the one the Redis Cluster specification names
        for (int i = 0; i < 256; i++) {
            int c = i << 8;
            for (int b = 0; b < 8; b++) {
                c = (c & 0x8000) != 0 ? (c << 1) ^ 0x1021 : c << 1;
            }
            CRC16[i] = c & 0xffff;
        }
    }

    private final Redis cluster;
    private final String scheme;
    private volatile String[] masterOfSlot;
    private Future<String[]> refreshing;

    /**
     * @param cluster the Vert.x cluster client ({@code CLUSTER SLOTS} goes to any node it knows)
     * @param seed    one of the configured node URLs: the masters are reached with its scheme and credentials
     */
    ClusterSlots(Redis cluster, String seed) {
        this.cluster = cluster;
        URI u = URI.create(seed);
        this.scheme = (u.getScheme() == null ? "redis" : u.getScheme()) + "://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@");
    }

    /** The hash slot of {@code key}: CRC16 of its hash tag (the first non-empty {@code {...}}), or of the whole key. */
    static int slot(String key) {
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        int from = 0;
        int to = b.length;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '{') {
                for (int j = i + 1; j < b.length; j++) {
                    if (b[j] == '}') {
                        if (j > i + 1) {
                            from = i + 1;
                            to = j;
                        }
                        break;
                    }
                }
                break;
            }
        }
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ b[i]) & 0xff]) & 0xffff;
        }
        return crc & (SLOTS - 1);
    }

    /** The map (master endpoint by slot; {@code null} for a slot no master serves), asked for if not known yet. */
    Future<String[]> map() {
        String[] m = masterOfSlot;
        return m != null ? Future.succeededFuture(m) : refresh();
    }

    /** Asks the cluster for the map again (one question at a time, whoever asks). */
    synchronized Future<String[]> refresh() {
        if (refreshing != null) {
            return refreshing;
        }
        Future<String[]> f = cluster.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).map(this::parse);
        refreshing = f;
        f.onComplete(ar -> {
            synchronized (this) {
                refreshing = null;
            }
            if (ar.succeeded()) {
                masterOfSlot = ar.result();
            } else {
                LOG.debugf("cluster slot map not refreshed: %s", ar.cause().getMessage());
            }
        });
        return f;
    }

    /** {@code CLUSTER SLOTS}: per range, its first and last slot, then the master's address, then its replicas'. */
    private String[] parse(Response slots) {
        String[] map = new String[SLOTS];
        java.util.Map<String, String> same = new java.util.HashMap<>();
        for (Response range : slots) {
            Response master = range.get(2);
            String host = master.get(0).toString();
            String endpoint = same.computeIfAbsent(host + ":" + master.get(1).toInteger(),
                    hp -> scheme + (host.contains(":") ? "[" + host + "]" : host) + ":" + master.get(1).toInteger());
            for (int s = range.get(0).toInteger(); s <= range.get(1).toInteger(); s++) {
                map[s] = endpoint;
            }
        }
        return map;
    }
}
