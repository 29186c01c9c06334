package io.nexusai.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * PostgreSQL and Redis for the local stack ({@code deploy/local/nexus up}).
 *
 * <p>Reads the wanted locations from the environment ({@code NEXUS_DB_HOST/PORT/USER/PASSWORD/NAME},
 * {@code NEXUS_REDIS_URL}). Each one that answers is used as it is (the database is created if missing);
 * each one that does not is replaced by an embedded real server on {@code NEXUS_EMBEDDED_DB_PORT} (54329) or
 * {@code NEXUS_EMBEDDED_REDIS_PORT} (63799), with PostgreSQL's data kept under the state directory.
 * Writes the resolved locations as shell assignments to {@code <state dir>/infra.env}; when it started
 * anything, it stays in the foreground until it gets SIGTERM, then stops what it started.
 *
 * <p>Usage: {@code java -cp "test-support.jar:lib/*" io.nexusai.testsupport.LocalInfra <state dir>}
 */
public final class LocalInfra {
    private LocalInfra() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        Path state = Path.of(args.length > 0 ? args[0] : "target/local");
        Files.createDirectories(state);
        String dbName = PostgresProvider.env("NEXUS_DB_NAME", "nexus");
        List<String> lines = new ArrayList<>();
        List<Runnable> stops = new ArrayList<>();

        String pgHost = PostgresProvider.env("NEXUS_DB_HOST", "localhost");
        int pgPort = Integer.parseInt(PostgresProvider.env("NEXUS_DB_PORT", "5432"));
        PostgresProvider.Server pg = PostgresProvider.tryConfigured(pgHost, pgPort,
                PostgresProvider.env("NEXUS_DB_USER", "postgres"), PostgresProvider.env("NEXUS_DB_PASSWORD", ""));
        if (pg == null) {
            int port = Integer.parseInt(PostgresProvider.env("NEXUS_EMBEDDED_DB_PORT", "54329"));
            File data = state.resolve("pgdata").toFile();
            System.out.println("PostgreSQL at " + pgHost + ":" + pgPort + " does not answer: starting an embedded one on 127.0.0.1:" + port);
            pg = PostgresProvider.startEmbedded(port, data);
            stops.add(pg::close);
            lines.add("NEXUS_EMBEDDED_DB=true");
        } else {
            System.out.println("Using PostgreSQL at " + pgHost + ":" + pgPort);
            lines.add("NEXUS_EMBEDDED_DB=false");
        }
        pg.createDatabaseIfMissing(dbName);
        DbCoordinates db = new DbCoordinates(pg.host(), pg.port(), dbName, pg.user(), pg.password());
        db.env().forEach((k, v) -> lines.add(k + "=" + shellQuote(v)));

        String redisUrl = PostgresProvider.env("NEXUS_REDIS_URL", "redis://localhost:6379");
        if (RedisProvider.pings(redisUrl)) {
            System.out.println("Using Redis at " + redisUrl.replaceAll("//[^@]*@", "//***@"));
            lines.add("NEXUS_EMBEDDED_REDIS=false");
        } else {
            int port = Integer.parseInt(PostgresProvider.env("NEXUS_EMBEDDED_REDIS_PORT", "63799"));
            System.out.println("Redis at " + redisUrl.replaceAll("//[^@]*@", "//***@") + " does not answer: starting an embedded one on 127.0.0.1:" + port);
            RedisProvider.Server redis = RedisProvider.startEmbedded(port);
            stops.add(redis::close);
            redisUrl = redis.url();
            lines.add("NEXUS_EMBEDDED_REDIS=true");
        }
        lines.add("NEXUS_REDIS_URL=" + shellQuote(redisUrl));

        Path env = state.resolve("infra.env");
        Path tmp = state.resolve("infra.env.tmp");
        Files.write(tmp, lines);
        Files.move(tmp, env, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("Wrote " + env);
        if (stops.isEmpty()) {
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Runnable stop : stops) {
                try {
                    stop.run();
                } catch (RuntimeException e) {
                    System.err.println("stop failed: " + e.getMessage());
                }
            }
            try {
                Files.deleteIfExists(env);
            } catch (IOException ignored) {
                // best effort
            }
            stopped.countDown();
        }, "local-infra-stop"));
        Thread.currentThread().join();
    }

    static String shellQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
