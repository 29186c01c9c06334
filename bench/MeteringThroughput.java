import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.nexusai.api.events.UsageEvent;
import org.flywaydb.core.Flyway;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;

import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * Helper of bench/metering-throughput.sh (run with test-support's class path: PostgreSQL JDBC, Flyway with
 * common-api's control-plane scripts, Jedis, Jackson and common-api's UsageEvent).
 *
 * <pre>
 * java -cp CP MeteringThroughput.java prepare  JDBC_URL USER PASSWORD                 fresh database, control-plane schema
 * java -cp CP MeteringThroughput.java fill     JDBC_URL USER PASSWORD REDIS_URL STREAM N FIRST EXPECTED_FILE
 *                                              appends events FIRST..FIRST+N-1 with pipelined XADD, adds their exact
 *                                              totals (prices from model_prices) to EXPECTED_FILE
 * java -cp CP MeteringThroughput.java await    JDBC_URL USER PASSWORD ROWS TIMEOUT_S [PIDS_TO_SIGCONT]
 *                                              waits until metering has committed ROWS rows of the last two UTC days
 *                                              (PIDS: comma-separated); prints the timing
 * java -cp CP MeteringThroughput.java seeded   JDBC_URL USER PASSWORD EXPECTED_FILE
 *                                              adds the totals of the rows seeded before the last two UTC days
 *                                              (bench/metering-scale.sh; from usage_daily) to EXPECTED_FILE
 * java -cp CP MeteringThroughput.java verify   JDBC_URL USER PASSWORD EXPECTED_FILE
 *                                              rows, token sums, cost sum and rollups against the expected values
 * </pre>
 * JDBC_URL names the server's maintenance database for {@code prepare} and the bench database otherwise.
 */
public class MeteringThroughput {
    static final String[][] MODELS = { // alias, provider, real model
            {"nexus-gpt4", "openai", "gpt-4o"}, {"nexus-mini", "openai", "gpt-4o-mini"},
            {"nexus-claude", "anthropic", "claude-3-5-sonnet-latest"}, {"nexus-deepseek", "deepseek", "deepseek-chat"}};
    static final String[] MULTIPLIERS = {"1", "1.2", "0.85", "1.333333"};
    static final int TENANTS = 10;
    static final int KEYS_PER_TENANT = 3;

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "prepare" -> prepare(a[1], a[2], a[3]);
            case "fill" -> fill(a[1], a[2], a[3], a[4], a[5], Integer.parseInt(a[6]), Integer.parseInt(a[7]), Path.of(a[8]));
            case "await" -> await(a[1], a[2], a[3], Long.parseLong(a[4]), Integer.parseInt(a[5]), a.length > 6 ? a[6] : null);
            case "verify" -> verify(a[1], a[2], a[3], Path.of(a[4]));
            case "seeded" -> seeded(a[1], a[2], a[3], Path.of(a[4]));
            default -> throw new IllegalArgumentException(a[0]);
        }
    }

    static Connection db(String url, String user, String password) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(url, p);
    }

    /** url: .../postgres; creates (drops first) database metering_bench and migrates the control-plane schema. */
    static void prepare(String url, String user, String password) throws Exception {
        try (Connection c = db(url, user, password); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS metering_bench WITH (FORCE)");
            s.execute("CREATE DATABASE metering_bench");
        }
        String benchUrl = url.substring(0, url.lastIndexOf('/') + 1) + "metering_bench";
        Flyway.configure().dataSource(benchUrl, user, password).locations("classpath:db/control-plane").load().migrate();
    }

    static void fill(String url, String user, String password, String redisUrl, String stream, int n, int first, Path expectedFile)
            throws Exception {
        Map<String, BigDecimal[]> prices = new HashMap<>();
        try (Connection c = db(url, user, password); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT model, input_per_million, output_per_million FROM public.model_prices")) {
            while (r.next()) {
                prices.put(r.getString(1), new BigDecimal[] {r.getBigDecimal(2), r.getBigDecimal(3)});
            }
        }
        Properties expected = new Properties();
        if (Files.exists(expectedFile)) {
            try (var in = Files.newInputStream(expectedFile)) {
                expected.load(in);
            }
        }
        long rows = Long.parseLong(expected.getProperty("rows", "0"));
        long prompt = Long.parseLong(expected.getProperty("prompt", "0"));
        long completion = Long.parseLong(expected.getProperty("completion", "0"));
        BigDecimal cost = new BigDecimal(expected.getProperty("cost", "0"));

        ObjectMapper mapper = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        SplittableRandom random = new SplittableRandom(first);
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try (Jedis jedis = new Jedis(URI.create(redisUrl))) {
            Pipeline p = jedis.pipelined();
            for (int i = first; i < first + n; i++) {
                int tenant = random.nextInt(TENANTS);
                String[] model = MODELS[random.nextInt(MODELS.length)];
                BigDecimal multiplier = new BigDecimal(MULTIPLIERS[random.nextInt(MULTIPLIERS.length)]);
                long in = 10 + random.nextInt(2000);
                long out = 1 + random.nextInt(1000);
                // spread over the last hour, in stream order (as a gateway writes them)
                long ts = now - 3_600_000L + (long) (i - first) * 3_600_000L / n;
                UsageEvent e = new UsageEvent("bench-" + i, null, ts, "tenant-" + tenant,
                        "key-" + tenant + "-" + random.nextInt(KEYS_PER_TENANT), "chat.completions", model[0], 1, model[1], 1,
                        model[2], false, 200, in, out, false, 20 + random.nextInt(200), multiplier, null);
                p.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("e", mapper.writeValueAsString(e)));
                rows++;
                prompt += in;
                completion += out;
                BigDecimal[] price = prices.get(model[2]);
                cost = cost.add(price[0].multiply(BigDecimal.valueOf(in)).add(price[1].multiply(BigDecimal.valueOf(out)))
                        .divide(BigDecimal.valueOf(1_000_000), MathContext.UNLIMITED).multiply(multiplier));
                if ((i - first) % 10_000 == 9_999) {
                    p.sync();
                }
            }
            p.sync();
            System.out.printf("filled=%d xlen=%d seconds=%.2f%n", n, jedis.xlen(stream), (System.nanoTime() - t0) / 1e9);
        }
        expected.setProperty("rows", Long.toString(rows));
        expected.setProperty("prompt", Long.toString(prompt));
        expected.setProperty("completion", Long.toString(completion));
        expected.setProperty("cost", cost.toPlainString());
        try (var out = Files.newOutputStream(expectedFile)) {
            expected.store(out, "expected totals of the events filled so far");
        }
    }

    /** Day buckets the events of a fill fall in (its timestamps are within the last hour); older ones are seeded. */
    static final String RECENT = "bucket >= date_trunc('day', now() - interval '1 day', 'UTC')";

    /**
     * Polls the day rollup (small, and committed with the events) until its last two days count {@code rows}.
     * With pids: takes the start time, then sends them SIGCONT (meterings paused while the stream was filled);
     * without: the start is the transaction start of the first batch (min recorded_at). Times are the database's
     * clock.
     */
    static void await(String url, String user, String password, long rows, int timeoutSeconds, String pid) throws Exception {
        try (Connection c = db(url, user, password); Statement s = c.createStatement()) {
            double start = Double.NaN;
            if (pid != null) {
                start = scalar(s, "SELECT extract(epoch FROM clock_timestamp())");
                List<String> command = new java.util.ArrayList<>(List.of("kill", "-CONT"));
                command.addAll(List.of(pid.split(",")));
                new ProcessBuilder(command).inheritIO().start().waitFor();
            }
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            double end = Double.NaN;
            long seen = 0;
            while (System.nanoTime() < deadline) {
                try (ResultSet r = s.executeQuery("SELECT COALESCE(sum(requests), 0), extract(epoch FROM clock_timestamp())"
                        + " FROM metering.usage_daily WHERE " + RECENT)) {
                    r.next();
                    seen = r.getLong(1);
                    if (seen >= rows) {
                        end = r.getDouble(2);
                        break;
                    }
                } catch (java.sql.SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) { // table not there until metering has migrated
                        throw e;
                    }
                }
                Thread.sleep(20);
            }
            if (Double.isNaN(end)) {
                System.out.printf("rows=%d of %d after %d s: timed out%n", seen, rows, timeoutSeconds);
                System.exit(1);
            }
            if (pid == null) {
                start = scalar(s, "SELECT extract(epoch FROM min(recorded_at)) FROM metering.usage_events"
                        + " WHERE occurred_at >= date_trunc('day', now() - interval '1 day', 'UTC')");
            }
            System.out.printf("rows=%d seconds=%.3f end_epoch=%.3f%n", rows, end - start, end);
        }
    }

    static double scalar(Statement s, String sql) throws Exception {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getDouble(1);
        }
    }

    static void seeded(String url, String user, String password, Path expectedFile) throws Exception {
        Properties expected = new Properties();
        if (Files.exists(expectedFile)) {
            try (var in = Files.newInputStream(expectedFile)) {
                expected.load(in);
            }
        }
        try (Connection c = db(url, user, password); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(sum(requests), 0), COALESCE(sum(prompt_tokens), 0),"
                     + " COALESCE(sum(completion_tokens), 0), COALESCE(sum(cost), 0) FROM metering.usage_daily WHERE NOT (" + RECENT + ")")) {
            r.next();
            expected.setProperty("rows", Long.toString(Long.parseLong(expected.getProperty("rows", "0")) + r.getLong(1)));
            expected.setProperty("prompt", Long.toString(Long.parseLong(expected.getProperty("prompt", "0")) + r.getLong(2)));
            expected.setProperty("completion", Long.toString(Long.parseLong(expected.getProperty("completion", "0")) + r.getLong(3)));
            expected.setProperty("cost", new BigDecimal(expected.getProperty("cost", "0")).add(r.getBigDecimal(4)).toPlainString());
            System.out.printf("seeded rows=%d%n", r.getLong(1));
        }
        try (var out = Files.newOutputStream(expectedFile)) {
            expected.store(out, "expected totals of the events filled so far and of the seeded ones");
        }
    }

    static void verify(String url, String user, String password, Path expectedFile) throws Exception {
        Properties expected = new Properties();
        try (var in = Files.newInputStream(expectedFile)) {
            expected.load(in);
        }
        List<String> tables = List.of("usage_events", "usage_minute", "usage_hour", "usage_daily");
        boolean exact = true;
        try (Connection c = db(url, user, password); Statement s = c.createStatement()) {
            for (String t : tables) {
                String count = t.equals("usage_events") ? "count(*)" : "sum(requests)";
                try (ResultSet r = s.executeQuery("SELECT " + count + ", sum(prompt_tokens), sum(completion_tokens), sum(cost)"
                        + " FROM metering." + t)) {
                    r.next();
                    boolean ok = r.getLong(1) == Long.parseLong(expected.getProperty("rows"))
                            && r.getLong(2) == Long.parseLong(expected.getProperty("prompt"))
                            && r.getLong(3) == Long.parseLong(expected.getProperty("completion"))
                            && r.getBigDecimal(4).compareTo(new BigDecimal(expected.getProperty("cost"))) == 0;
                    System.out.printf("%s: rows=%d prompt=%d completion=%d cost=%s %s%n", t, r.getLong(1), r.getLong(2),
                            r.getLong(3), r.getBigDecimal(4).toPlainString(), ok ? "exact" : "MISMATCH (expected " + expected + ")");
                    exact &= ok;
                }
            }
        }
        System.out.println(exact ? "verify=exact" : "verify=MISMATCH");
        if (!exact) {
            System.exit(1);
        }
    }
}
