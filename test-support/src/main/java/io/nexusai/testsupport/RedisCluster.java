package io.nexusai.testsupport;

import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster of three masters (no replicas) on loopback ports, from the same redis-server binary as
 * {@link RedisProvider}: each node persistent (append-only file, fsync on every write, its own directory and
 * {@code nodes.conf}), so that a master stopped and started again comes back with its slots and data, as a
 * production one with persistence does. {@code cluster-require-full-coverage no}: while one master is away, the
 * slots of the others still answer. Benchmarks that compare the cluster with one non-persistent Redis set
 * {@code -Dnexus.bench.redis-cluster-appendonly=no} (the nodes then keep nothing on disk, as that Redis).
 */
public final class RedisCluster {
    private static final int SLOTS = 16_384;
    private static RedisCluster shared;

    private final List<Integer> ports;
    private final Path dir;
    private final RedisServer[] nodes;
    private boolean formed;

    private RedisCluster(List<Integer> ports, Path dir) {
        this.ports = List.copyOf(ports);
        this.dir = dir;
        this.nodes = new RedisServer[ports.size()];
    }

    /** The cluster shared by every test of this JVM, started on first use (in a temporary directory). */
    public static synchronized RedisCluster shared() {
        if (shared == null) {
            try {
                shared = start(3, Files.createTempDirectory("nexus-redis-cluster"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            RedisCluster cluster = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                cluster.close();
                cluster.deleteData();
            }, "redis-cluster-stop"));
        }
        return shared;
    }

    /** Starts {@code masters} nodes on free ports with their data under {@code dir}, and makes them one cluster. */
    public static RedisCluster start(int masters, Path dir) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < masters; i++) {
            ports.add(Ports.free());
        }
        RedisCluster cluster = new RedisCluster(ports, dir);
        for (int i = 0; i < masters; i++) {
            cluster.startNode(i);
        }
        cluster.form();
        return cluster;
    }

    /** The nodes' URLs, comma-separated (what {@code NEXUS_REDIS_URL} takes with {@code NEXUS_REDIS_CLIENT_TYPE=cluster}). */
    public String url() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return ports;
    }

    /**
     * The node that holds {@code key}'s slot. The slot is computed here (CRC16 of the hash tag, as every cluster
     * client does), not asked of a node: the node to ask may be the one a test has stopped.
     */
    public int nodeOf(String key) {
        long slot = redis.clients.jedis.util.JedisClusterCRC16.getSlot(key);
        for (int i = 0; i < ports.size(); i++) {
            if (slot >= i * (long) SLOTS / ports.size() && slot < (i + 1) * (long) SLOTS / ports.size()) {
                return i;
            }
        }
        throw new IllegalStateException("no node holds the slot of " + key);
    }

    /** Stops node {@code i} (SIGTERM: its data is on disk). */
    public synchronized void stopNode(int i) {
        if (nodes[i] != null) {
            try {
                nodes[i].stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            nodes[i] = null;
        }
    }

    /** Starts node {@code i} again with its data and cluster identity, and waits until the cluster is whole again. */
    public synchronized void startNode(int i) {
        if (nodes[i] != null) {
            return;
        }
        Path nodeDir = dir.resolve(Integer.toString(ports.get(i)));
        try {
            Files.createDirectories(nodeDir);
            RedisServer server = RedisServer.newRedisServer()
                    .port(ports.get(i))
                    .bind("127.0.0.1")
                    .setting("cluster-enabled yes")
                    .setting("cluster-config-file nodes.conf")
                    .setting("cluster-node-timeout 2000")
                    .setting("cluster-require-full-coverage no")
                    .setting("save \"\"")
                    .setting("appendonly " + ("no".equals(System.getProperty("nexus.bench.redis-cluster-appendonly")) ? "no" : "yes"))
                    .setting("appendfsync always")
                    .setting("dir " + nodeDir.toAbsolutePath())
                    .build();
            server.start();
            nodes[i] = server;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis cluster node did not start", e);
        }
        if (Files.exists(nodeDir.resolve("nodes.conf")) && formed) {
            awaitOk();
        }
    }

    /** Slots split evenly in order, every node meets the first, then waits for {@code cluster_state:ok} everywhere. */
    private void form() {
        for (int i = 0; i < ports.size(); i++) {
            try (Jedis j = new Jedis("127.0.0.1", ports.get(i))) {
                int from = i * SLOTS / ports.size();
                int to = (i + 1) * SLOTS / ports.size();
                j.clusterAddSlots(IntStream.range(from, to).toArray());
                if (i > 0) {
                    j.clusterMeet("127.0.0.1", ports.get(0));
                }
            }
        }
        formed = true;
        awaitOk();
    }

    private void awaitOk() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; i < ports.size(); i++) {
            if (nodes[i] == null) {
                continue;
            }
            while (true) {
                try (Jedis j = new Jedis("127.0.0.1", ports.get(i))) {
                    String info = j.clusterInfo();
                    String nodesSeen = j.clusterNodes();
                    if (info.contains("cluster_state:ok") && nodesSeen.lines().filter(l -> l.contains("master")
                            && !l.contains("fail") && !l.contains("handshake")).count() == ports.size()) {
                        break;
                    }
                } catch (RuntimeException e) {
                    // not up yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redis Cluster on " + ports + " not ready within 60 s");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Deletes the nodes' data (after {@link #close()}). */
    void deleteData() {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }

    /** Stops every node. */
    public synchronized void close() {
        for (int i = 0; i < nodes.length; i++) {
            stopNode(i);
        }
    }
}
