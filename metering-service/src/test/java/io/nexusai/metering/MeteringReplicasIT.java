package io.nexusai.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.Ports;
import io.nexusai.testsupport.PostgresProvider;
import io.nexusai.testsupport.RedisProvider;
import io.nexusai.testsupport.ServiceProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several replicas share the work, and a replica killed with SIGKILL in the middle of it loses nothing and
 * counts nothing twice. The packaged metering-service (target/quarkus-app) runs as two JVMs with different
 * consumer names over real PostgreSQL and Redis. Two thirds of the entries (events, redeliveries of earlier
 * request ids, a few malformed ones) are in the stream before they start; replica A is killed while it holds
 * pending entries; B claims them (claim-idle 2 s); A is restarted under its name, and the last third is appended
 * for both to share. At the end there is exactly one row per distinct request id, with exact token and cost sums
 * (the costs computed here with BigDecimal from the control-plane migration's default prices), the rollups agree
 * with the events row by row, and the periodic trim has emptied the stream.
 */
class MeteringReplicasIT {
    static final int DISTINCT = 60_000;
    static final int DUPLICATES = 6_000;
    static final int MALFORMED = 10;
    static final String[][] MODELS = {{"nexus-gpt4", "openai", "gpt-4o"}, {"nexus-mini", "openai", "gpt-4o-mini"},
            {"nexus-claude", "anthropic", "claude-3-5-sonnet-latest"}, {"nexus-deepseek", "deepseek", "deepseek-chat"},
            {"nexus-custom", "local", "model-without-price"}};
    static final String[] MULTIPLIERS = {"1", "1.5", "0.75", "1.333333", "2.000001"};

    final Path jar = Path.of(System.getProperty("nexus.metering.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
    final Path logs = Path.of(System.getProperty("nexus.it.logs", "target/it-logs")).toAbsolutePath();
    final List<ServiceProcess> processes = new ArrayList<>();
    final Map<ServiceProcess, Integer> managementPorts = new HashMap<>();
    Vertx vertx;
    RedisConnection redis;

    @AfterEach
    void tearDown() {
        processes.forEach(ServiceProcess::stop);
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void twoReplicasOneKilledMidwayStoreEveryEventExactlyOnce() throws Exception {
        assertThat(jar).as("packaged metering-service").isRegularFile();
        DbCoordinates db = PostgresProvider.shared().newDatabase("metering_it");
        ControlPlaneDbTestResource.migrate(db);
        String namespace = "it-" + PostgresProvider.randomSuffix();
        String stream = "{" + namespace + "}:usage";
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, RedisProvider.shared().url()).connect().toCompletionStage().toCompletableFuture().join();

        // the expected totals, from the prices the control-plane migration put in model_prices
        Map<String, BigDecimal[]> prices = new HashMap<>();
        try (Connection c = jdbc(db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT model, input_per_million, output_per_million FROM public.model_prices")) {
            while (r.next()) {
                prices.put(r.getString(1), new BigDecimal[] {r.getBigDecimal(2), r.getBigDecimal(3)});
            }
        }
        ObjectMapper mapper = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        SplittableRandom random = new SplittableRandom(42);
        List<String> events = new ArrayList<>(DISTINCT);
        long prompt = 0;
        long completion = 0;
        BigDecimal cost = BigDecimal.ZERO;
        long now = System.currentTimeMillis();
        for (int i = 0; i < DISTINCT; i++) {
            String[] m = MODELS[random.nextInt(MODELS.length)];
            BigDecimal multiplier = new BigDecimal(MULTIPLIERS[random.nextInt(MULTIPLIERS.length)]);
            long in = random.nextInt(4000);
            long out = random.nextInt(2000);
            int tenant = random.nextInt(5);
            UsageEvent e = new UsageEvent("req-" + i, null, now - 7_200_000L + i * 100L, "tenant-" + tenant,
                    "key-" + tenant + "-" + random.nextInt(3), "chat.completions", m[0], 1, m[1], 1, m[2], false, 200, in, out,
                    false, 15, multiplier, null);
            events.add(mapper.writeValueAsString(e));
            prompt += in;
            completion += out;
            BigDecimal[] p = prices.get(m[2]);
            if (p != null) {
                cost = cost.add(p[0].multiply(BigDecimal.valueOf(in)).add(p[1].multiply(BigDecimal.valueOf(out)))
                        .divide(BigDecimal.valueOf(1_000_000), MathContext.UNLIMITED).multiply(multiplier));
            }
        }
        assertThat(prices).containsKeys("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-latest", "deepseek-chat")
                .doesNotContainKey("model-without-price");
        // the stream: every event, redeliveries of earlier ones (as a gateway's spool replay sends) and garbage
        List<String> entries = new ArrayList<>(events);
        for (int i = 0; i < DUPLICATES; i++) {
            int original = random.nextInt(DISTINCT);
            entries.add(Math.min(entries.size(), original + 1 + random.nextInt(20_000)), events.get(original));
        }
        for (int i = 0; i < MALFORMED; i++) {
            entries.add(random.nextInt(entries.size()), i % 2 == 0 ? "{\"request_id\": \"broken-" + i : "{\"request_id\": \"no-tenant-" + i + "\"}");
        }
        // two thirds before the replicas start; the rest once the killed one is back (a gateway keeps writing)
        List<String> firstWave = entries.subList(0, entries.size() * 2 / 3);
        List<String> secondWave = entries.subList(firstWave.size(), entries.size());
        append(stream, firstWave);
        assertThat(send(Request.cmd(Command.XLEN).arg(stream)).toLong()).isEqualTo(firstWave.size());

        Map<String, String> env = new HashMap<>(db.env());
        env.put("NEXUS_REDIS_URL", RedisProvider.shared().url());
        env.put("NEXUS_REDIS_NAMESPACE", namespace);
        env.put("NEXUS_SECRET_KEY", "it-" + PostgresProvider.randomSuffix() + "-secret-key-0123456789abcdef");
        env.put("NEXUS_METERING_BATCH_SIZE", "50");
        env.put("NEXUS_METERING_CLAIM_IDLE", "2s");
        env.put("NEXUS_METERING_CLAIM_EVERY", "1s");
        env.put("NEXUS_METERING_TRIM_EVERY", "1s");
        env.put("NEXUS_METERING_BLOCK_TIMEOUT", "500ms");
        Files.createDirectories(logs);
        for (String name : List.of("replica-a", "replica-b")) {
            Files.deleteIfExists(logs.resolve(name + ".log"));
        }

        // both replicas start on the full stream (and migrate the metering schema concurrently)
        ServiceProcess a = replica("replica-a", env);
        ServiceProcess b = replica("replica-b", env);
        a.start();
        b.start();

        // kill A with SIGKILL while it holds pending entries (delivered, not acknowledged), mid-way: seen holding some,
        // it is frozen (SIGSTOP) and asked again, since it may have acknowledged them meanwhile; killed only if it still
        // holds some, else let go on
        long pendingAtKill = 0;
        long rowsAtKill = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection poll = jdbc(db)) {
            while (System.nanoTime() < deadline) {
                long pending = pendingOf(stream, "replica-a");
                long rows = rows(poll);
                if (pending > 0 && rows >= DISTINCT / 10) {
                    a.pause();
                    Thread.sleep(50); // an acknowledgement it sent just before lands
                    long held = pendingOf(stream, "replica-a");
                    if (held > 0) {
                        a.kill();
                        pendingAtKill = held;
                        rowsAtKill = rows(poll);
                        break;
                    }
                    a.resume();
                }
                assertThat(rows).as("replica-a never held entries before the stream was consumed; see %s", logs).isLessThan(DISTINCT);
                Thread.sleep(10);
            }
        }
        assertThat(a.isAlive()).isFalse();
        assertThat(pendingAtKill).as("replica-a died holding entries").isPositive();
        assertThat(rowsAtKill).as("killed mid-way").isLessThan(DISTINCT);

        // B claims what A held (A is dead: nothing else can take them), then A comes back under its name
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(pendingOf(stream, "replica-a")).isZero());
        ServiceProcess restarted = replica("replica-a", env);
        restarted.start().awaitReady(healthOf(restarted), Duration.ofSeconds(90));
        append(stream, secondWave);
        String lastId = lastEntryId(stream);

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            try (Connection c = jdbc(db)) {
                assertThat(rows(c)).isEqualTo(DISTINCT);
            }
            Response pending = send(Request.cmd(Command.XPENDING).arg(stream).arg("metering"));
            assertThat(pending.get(0).toLong()).isZero();
            assertThat(lastDeliveredId(stream)).isEqualTo(lastId);
        });
        assertThat(b.isAlive()).isTrue();
        assertThat(restarted.isAlive()).isTrue();
        assertThat(handled(restarted)).as("the restarted replica took its share of the second wave").isPositive();

        try (Connection c = jdbc(db); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT request_id), sum(prompt_tokens), sum(completion_tokens),"
                    + " sum(cost), sum(total_tokens) FROM metering.usage_events")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(DISTINCT);
                assertThat(r.getLong(2)).isEqualTo(DISTINCT);
                assertThat(r.getLong(3)).isEqualTo(prompt);
                assertThat(r.getLong(4)).isEqualTo(completion);
                assertThat(r.getBigDecimal(5)).isEqualByComparingTo(cost);
                assertThat(r.getLong(6)).isEqualTo(prompt + completion);
            }
            for (String[] t : new String[][] {{"usage_minute", "minute"}, {"usage_hour", "hour"}, {"usage_daily", "day"}}) {
                try (ResultSet r = s.executeQuery("SELECT sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost) FROM metering." + t[0])) {
                    r.next();
                    assertThat(r.getLong(1)).as(t[0]).isEqualTo(DISTINCT);
                    assertThat(r.getLong(2)).as(t[0]).isEqualTo(prompt);
                    assertThat(r.getLong(3)).as(t[0]).isEqualTo(completion);
                    assertThat(r.getBigDecimal(4)).as(t[0]).isEqualByComparingTo(cost);
                }
                String grouped = "SELECT date_trunc('" + t[1] + "', occurred_at, 'UTC'), tenant_id, key_id, model_alias, real_model, provider,"
                        + " count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost) FROM metering.usage_events GROUP BY 1, 2, 3, 4, 5, 6";
                String rollup = "SELECT bucket, tenant_id, key_id, model_alias, real_model, provider, requests, prompt_tokens,"
                        + " completion_tokens, cost FROM metering." + t[0];
                try (ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM ((" + grouped + ") EXCEPT (" + rollup + ")) x),"
                        + " (SELECT count(*) FROM ((" + rollup + ") EXCEPT (" + grouped + ")) y)")) {
                    r.next();
                    assertThat(r.getLong(1) + r.getLong(2)).as("%s rows differing from the events", t[0]).isZero();
                }
            }
        }
        // everything acknowledged by the only group: the periodic trim empties the stream
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(send(Request.cmd(Command.XLEN).arg(stream)).toLong()).isZero());
    }

    ServiceProcess replica(String name, Map<String, String> common) {
        Map<String, String> env = new HashMap<>(common);
        int management = Ports.free();
        env.put("NEXUS_METERING_CONSUMER_NAME", name);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(Ports.free()));
        env.put("MONITORING_PORT", Integer.toString(management));
        ServiceProcess p = ServiceProcess.java(name, jar, List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Xss512k",
                "--enable-native-access=ALL-UNNAMED"), env, logs.resolve(name + ".log"));
        processes.add(p);
        managementPorts.put(p, management);
        return p;
    }

    String healthOf(ServiceProcess p) {
        return "http://127.0.0.1:" + managementPorts.get(p) + "/q/health/ready";
    }

    /** Stream entries a replica handled (inserted, duplicate or malformed), from its Prometheus metrics. */
    double handled(ServiceProcess p) throws Exception {
        String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + managementPorts.get(p) + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("nexus_metering_events_total{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    void append(String stream, List<String> entries) {
        for (int from = 0; from < entries.size(); from += 2000) {
            List<Request> batch = new ArrayList<>();
            for (String e : entries.subList(from, Math.min(entries.size(), from + 2000))) {
                batch.add(Request.cmd(Command.XADD).arg(stream).arg("*").arg("e").arg(e));
            }
            redis.batch(batch).toCompletionStage().toCompletableFuture().join();
        }
    }

    Response send(Request request) {
        return redis.send(request).toCompletionStage().toCompletableFuture().join();
    }

    long pendingOf(String stream, String consumer) {
        try {
            Response r = send(Request.cmd(Command.XPENDING).arg(stream).arg("metering").arg("-").arg("+").arg(100_000).arg(consumer));
            return r == null ? 0 : r.size();
        } catch (java.util.concurrent.CompletionException e) {
            if (String.valueOf(e.getCause().getMessage()).startsWith("NOGROUP")) { // no replica has started yet
                return 0;
            }
            throw e;
        }
    }

    String lastDeliveredId(String stream) {
        Response groups = send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream));
        Response g = groups.get(0);
        if (g.containsKey("last-delivered-id")) {
            return g.get("last-delivered-id").toString();
        }
        for (int i = 0; i + 1 < g.size(); i += 2) {
            if (g.get(i).toString().equals("last-delivered-id")) {
                return g.get(i + 1).toString();
            }
        }
        throw new IllegalStateException("no last-delivered-id in " + g);
    }

    String lastEntryId(String stream) {
        Response r = send(Request.cmd(Command.XREVRANGE).arg(stream).arg("+").arg("-").arg("COUNT").arg(1));
        return r.size() == 0 ? null : r.get(0).get(0).toString();
    }

    /** Rows committed so far, from the day rollup (tiny, and committed with the events). */
    static long rows(Connection c) throws Exception {
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(sum(requests), 0) FROM metering.usage_daily")) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) { // not migrated yet
                return 0;
            }
            throw e;
        }
    }

    static Connection jdbc(DbCoordinates db) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", db.user());
        if (db.password() != null && !db.password().isEmpty()) {
            p.setProperty("password", db.password());
        }
        return DriverManager.getConnection(db.jdbcUrl(), p);
    }
}
