package io.nexusai.gateway.limits;

import io.nexusai.testsupport.RedisCluster;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.MigrateParams;

import java.util.List;

/** A slot moved between masters of the test cluster the way a resharding does it, whole or in its two halves. */
final class SlotMoves {
    private SlotMoves() {
    }

    /** Moves one slot with its keys from master {@code from} to master {@code to}. */
    static void move(RedisCluster cluster, int slot, int from, int to) {
        start(cluster, slot, from, to);
        finish(cluster, slot, from, to);
    }

    /** The first half of a move: the slot importing and migrating, and its keys sent to the new master. */
    static void start(RedisCluster cluster, int slot, int from, int to) {
        List<Integer> ports = cluster.ports();
        try (Jedis src = new Jedis("127.0.0.1", ports.get(from)); Jedis dst = new Jedis("127.0.0.1", ports.get(to))) {
            dst.clusterSetSlotImporting(slot, src.clusterMyId());
            src.clusterSetSlotMigrating(slot, dst.clusterMyId());
            List<String> keys;
            while (!(keys = src.clusterGetKeysInSlot(slot, 100)).isEmpty()) {
                src.migrate("127.0.0.1", ports.get(to), 0, 5_000, MigrateParams.migrateParams(), keys.toArray(String[]::new));
            }
        }
    }

    /** The second half: every master told that the slot is the new master's. */
    static void finish(RedisCluster cluster, int slot, int from, int to) {
        List<Integer> ports = cluster.ports();
        String dstId;
        try (Jedis dst = new Jedis("127.0.0.1", ports.get(to))) {
            dstId = dst.clusterMyId();
            dst.clusterSetSlotNode(slot, dstId);
        }
        try (Jedis src = new Jedis("127.0.0.1", ports.get(from))) {
            src.clusterSetSlotNode(slot, dstId);
        }
        for (int i = 0; i < ports.size(); i++) {
            if (i != from && i != to) {
                try (Jedis other = new Jedis("127.0.0.1", ports.get(i))) {
                    other.clusterSetSlotNode(slot, dstId);
                }
            }
        }
    }
}
