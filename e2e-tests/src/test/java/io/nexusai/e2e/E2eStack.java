package io.nexusai.e2e;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.mock.MockProviderServer;
import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.Ports;
import io.nexusai.testsupport.PostgresProvider;
import io.nexusai.testsupport.RedisCluster;
import io.nexusai.testsupport.RedisProvider;
import io.nexusai.testsupport.ServiceProcess;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole suite for end-to-end tests, started once per test JVM: real PostgreSQL and Redis (configured or
 * embedded, with a database and Redis namespace of its own), the mock provider, and the five packaged
 * services as separate JVMs on free ports. Stopped by a shutdown hook.
 */
public final class E2eStack {
    public static final String SECRET_KEY = "e2e-" + PostgresProvider.randomSuffix() + "-signing-secret-0123456789abcdef";
    public static final String DB_ENCRYPTION_KEY = "e2e-" + PostgresProvider.randomSuffix() + "-db-encryption-0123456789abcdef";
    public static final String ADMIN_KEY = ApiKeys.generate(KeyLevel.ADMIN);
    /** The one origin a browser app may call the stack's gateways from (NpmClientsIT). */
    public static final String CORS_ORIGIN = "https://app.example.test";
    public static final String MOCK_API_KEY = "sk-mock-" + PostgresProvider.randomSuffix() + "-provider-key";
    /** How long the gateways' circuit breakers stay open before a probe (short, so that tests can watch it). */
    public static final java.time.Duration BREAKER_DELAY = java.time.Duration.ofSeconds(5);
    /** The gateways' rate-spike settings: short intervals so that a test can build a baseline and burst in seconds. */
    public static final Map<String, String> RATE_SPIKE = Map.of(
            "NEXUS_GATEWAY_ANOMALIES_RATE_SPIKE_INTERVAL", "2s",
            "NEXUS_GATEWAY_ANOMALIES_RATE_SPIKE_WARMUP_INTERVALS", "2",
            "NEXUS_GATEWAY_ANOMALIES_RATE_SPIKE_FACTOR", "4",
            "NEXUS_GATEWAY_ANOMALIES_RATE_SPIKE_FLOOR", "30",
            "NEXUS_GATEWAY_ANOMALIES_RATE_SPIKE_ALPHA", "0.5");
    public static final List<String> SERVICES = List.of("admin", "auth", "routing", "metering", "gateway", "gateway2");

    private static E2eStack instance;

    private final Path root = Path.of(System.getProperty("nexus.root", "..")).toAbsolutePath().normalize();
    private final Path logs = Path.of(System.getProperty("nexus.e2e.logs", "target/e2e-logs")).toAbsolutePath();
    private final Map<String, Integer> httpPorts = new HashMap<>();
    private final Map<String, Integer> managementPorts = new HashMap<>();
    private final Map<String, ServiceProcess> processes = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private Vertx vertx;
    private MockProviderServer mock;
    private int redisPort;
    private RedisProvider.Server redis;
    /** {@code -Dnexus.e2e.redis=cluster}: the stack runs on a three-master Redis Cluster instead of one Redis. */
    private final boolean cluster = "cluster".equals(System.getProperty("nexus.e2e.redis"));
    private RedisCluster redisCluster;
    private String redisNamespace;

    private E2eStack() {
    }

    /** The running stack, started on first use. */
    public static synchronized E2eStack get() {
        if (instance == null) {
            E2eStack stack = new E2eStack();
            Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "e2e-stack-stop"));
            stack.start();
            instance = stack;
        }
        return instance;
    }

    private void start() {
        DbCoordinates db = PostgresProvider.shared().newDatabase("nexus_e2e");
        // a Redis of the stack's own (or a cluster of three), persistent, so that a test can stop it and start it
        // again with its data
        if (cluster) {
            redisCluster = RedisCluster.start(3, emptyRedisDir());
        } else {
            redisPort = Ports.free();
            redis = RedisProvider.startPersistent(redisPort, emptyRedisDir());
        }
        vertx = Vertx.vertx();
        mock = new MockProviderServer(vertx, MOCK_API_KEY).start("127.0.0.1", 0).toCompletionStage().toCompletableFuture().join();
        for (String s : SERVICES) {
            httpPorts.put(s, Ports.free());
            managementPorts.put(s, Ports.free());
        }
        env.putAll(db.env());
        redisNamespace = "e2e-" + PostgresProvider.randomSuffix();
        env.put("NEXUS_REDIS_URL", cluster ? redisCluster.url() : redis.url());
        env.put("NEXUS_REDIS_NAMESPACE", redisNamespace);
        if (cluster) {
            env.put("NEXUS_REDIS_CLIENT_TYPE", "cluster");
        }
        env.put("NEXUS_SECRET_KEY", SECRET_KEY);
        env.put("DB_ENCRYPTION_KEY", DB_ENCRYPTION_KEY);
        env.put("NEXUS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
        env.put("NEXUS_AUTH_SERVICE_URL", url("auth"));
        env.put("NEXUS_ROUTING_SERVICE_URL", url("routing"));
        env.put("NEXUS_METERING_SERVICE_URL", url("metering"));
        env.put("NEXUS_METERING_CONSUMER_NAME", "e2e-metering");
        env.put("NEXUS_GATEWAY_RESILIENCE_BREAKER_DELAY", BREAKER_DELAY.toMillis() + "ms");
        // six JVMs on two noisy cores: a slow answer from Redis must not be mistaken for an outage (default 250 ms)
        env.put("NEXUS_GATEWAY_LIMITS_REDIS_TIMEOUT", "2s");
        // budget gauges (nexus_budget_used_ratio) recomputed often enough for a test to watch them (default 30 s)
        env.put("NEXUS_METERING_BUDGET_EVERY", "1s");
        // rate spikes within seconds rather than minutes (AnomaliesIT): 2 s intervals, 2 of warm-up, 4 × baseline and at least 30
        env.putAll(RATE_SPIKE);
        // a log line per request in every service (the gateway's is off by default): TracingIT finds trace ids in them
        env.put("NEXUS_LOG_REQUESTS", "true");
        env.put("NEXUS_GATEWAY_CORS_ORIGINS", CORS_ORIGIN);
        // one usage journal directory for the gateways of this stack (never another stack's: a journal is shipped to
        // the Redis of whoever takes it over), shared as replicas may share one; a restarted gateway finds it again
        env.put("NEXUS_GATEWAY_USAGE_SPOOL_DIR", emptyDir(logs.resolveSibling("e2e-usage-journal")).toString());
        try {
            Files.createDirectories(logs);
            try (Stream<Path> old = Files.list(logs)) {
                for (Path f : old.toList()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // admin first: it migrates the schema the others read
        startService("admin");
        List.of("auth", "routing", "metering").forEach(this::launch);
        List.of("auth", "routing", "metering").forEach(this::awaitReady);
        startService("gateway");
    }

    /** The cluster node that holds the usage stream. */
    private int usageStreamNode() {
        return redisCluster.nodeOf(new io.nexusai.api.events.RedisNames(redisNamespace).usageStream());
    }

    private Path redisDir() {
        return logs.resolveSibling("e2e-redis");
    }

    /** The Redis data directory, emptied of an earlier run's files. */
    private Path emptyRedisDir() {
        return emptyDir(redisDir());
    }

    /** A directory of the stack's own, emptied of an earlier run's files (sub-directories too: Redis 7 keeps its append-only files in one). */
    private static Path emptyDir(Path dir) {
        try (Stream<Path> old = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
            for (Path f : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!f.equals(dir)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }

    /** Whether the stack runs on a Redis Cluster ({@code -Dnexus.e2e.redis=cluster}). */
    public boolean onRedisCluster() {
        return cluster;
    }

    /**
     * Stops the stack's Redis (SIGTERM; its data is on disk). On a cluster: the master of the usage stream's slot
     * (the other masters keep serving their slots).
     */
    public synchronized void stopRedis() {
        if (redisCluster != null) {
            redisCluster.stopNode(usageStreamNode());
            return;
        }
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    /** Starts the stack's Redis again on the same port, with the data it had. */
    public synchronized void startRedis() {
        if (redisCluster != null) {
            redisCluster.startNode(usageStreamNode());
            return;
        }
        if (redis == null) {
            redis = RedisProvider.startPersistent(redisPort, redisDir());
        }
    }

    /** Starts the second gateway replica (for propagation tests), once. */
    public synchronized void ensureSecondGateway() {
        if (!isRunning("gateway2")) {
            startService("gateway2");
        }
    }

    /** Starts (or restarts) one service and waits until it is ready. */
    public void startService(String name) {
        startService(name, Map.of());
    }

    /** Starts (or restarts) one service with some environment variables changed, and waits until it is ready. */
    public void startService(String name, Map<String, String> overrides) {
        launch(name, overrides);
        awaitReady(name);
    }

    private void launch(String name) {
        launch(name, Map.of());
    }

    private void launch(String name, Map<String, String> overrides) {
        Map<String, String> serviceEnv = new HashMap<>(env);
        serviceEnv.put("QUARKUS_HTTP_PORT", Integer.toString(httpPorts.get(name)));
        serviceEnv.put("MONITORING_PORT", Integer.toString(managementPorts.get(name)));
        serviceEnv.putAll(overrides);
        processes.put(name, process(name, serviceEnv, logs.resolve(name + ".log")).start());
    }

    /** A service process, not started: the named service's packaged jar with the stack's JVM options. */
    public ServiceProcess process(String name, Map<String, String> serviceEnv, Path log) {
        String module = name.replaceAll("\\d+$", "");
        Path jar = root.resolve(module + "-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (./mvnw verify does)");
        }
        return ServiceProcess.java(name, jar, List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Xss512k",
                "--enable-native-access=ALL-UNNAMED"), serviceEnv, log);
    }

    /** The environment every service of the stack gets (secrets, database, Redis, service URLs). */
    public Map<String, String> environment() {
        return Map.copyOf(env);
    }

    /** Where service logs go. */
    public Path logDirectory() {
        return logs;
    }

    private void awaitReady(String name) {
        processes.get(name).awaitReady(managementUrl(name) + "/q/health/ready", Duration.ofSeconds(90));
    }

    /** Stops one service (SIGTERM) and waits for it to exit. */
    public void stopService(String name) {
        ServiceProcess p = processes.get(name);
        if (p != null) {
            p.stop();
        }
    }

    /** Kills one service with SIGKILL, as in a crash (no shutdown hook runs), and waits for it to be gone. */
    public void killService(String name) {
        ServiceProcess p = processes.get(name);
        if (p != null) {
            p.kill();
        }
    }

    /** The usage journal directory of the stack's gateways. */
    public Path usageJournalDirectory() {
        return Path.of(env.get("NEXUS_GATEWAY_USAGE_SPOOL_DIR"));
    }

    public boolean isRunning(String name) {
        ServiceProcess p = processes.get(name);
        return p != null && p.isAlive();
    }

    /** The process id of a running service (for {@code jcmd}). */
    public long pid(String name) {
        ServiceProcess p = processes.get(name);
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        return p.pid();
    }

    public String url(String service) {
        return "http://127.0.0.1:" + httpPorts.get(service);
    }

    public String managementUrl(String service) {
        return "http://127.0.0.1:" + managementPorts.get(service);
    }

    /** The management port of a service (metrics on /q/metrics, health on /q/health), all on 127.0.0.1. */
    public int managementPort(String service) {
        return managementPorts.get(service);
    }

    /** The checkout the stack runs from (its deploy/ holds the Prometheus configuration and rules). */
    public Path root() {
        return root;
    }

    /** Base URL of the mock provider as a provider endpoint (with {@code /v1}). */
    public String mockEndpoint() {
        return mockBase() + "/v1";
    }

    /** The mock provider's root URL (Azure and Anthropic endpoints, and its {@code /_mock} API). */
    public String mockBase() {
        return "http://127.0.0.1:" + mock.port();
    }

    /** Everything every service wrote to its log so far. */
    public String allLogs() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                sb.append(Files.readString(f));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sb.toString();
    }

    /** The secrets no log line may ever contain. */
    public List<String> secrets() {
        return new ArrayList<>(List.of(SECRET_KEY, DB_ENCRYPTION_KEY, ADMIN_KEY, MOCK_API_KEY));
    }

    private void stop() {
        List<String> reversed = new ArrayList<>(processes.keySet());
        java.util.Collections.reverse(reversed);
        for (String name : reversed) {
            processes.get(name).stop();
        }
        if (vertx != null) {
            vertx.close();
        }
        if (redisCluster != null) {
            redisCluster.close();
        } else {
            stopRedis();
        }
    }
}
