package io.nexusai.gateway.limits;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.service.config.PlatformSecrets;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limiter benchmark of {@code bench/limiter-throughput.sh}, not a test: it runs only with
 * {@code -Dnexus.bench.limiter=true}. The gateway's own {@link RateLimiter} admits requests of 100 tenants (a key and
 * a tenant requests-per-minute window, a tenant tokens-per-minute window and a daily token quota each, limits high
 * enough never to refuse) with {@code nexus.bench.outstanding} admissions outstanding per event loop, for
 * {@code nexus.bench.seconds} after a warm-up. It reports admissions/s and the CPU of the Redis processes and of this
 * JVM per admission, into {@code target/bench-limiter-<label>.txt}. It asserts only behaviour: every admission
 * admitted by Redis (none decided locally), none refused.
 */
abstract class LimiterThroughput {
    private static final int TENANTS = 100;

    @Inject
    RateLimiter limiter;
    @Inject
    PlatformSecrets secrets;
    @Inject
    Vertx vertx;

    /** The label of the Redis deployment under test, and the ports of its Redis processes. */
    abstract String label();

    abstract List<Integer> redisPorts();

    @Test
    @EnabledIfSystemProperty(named = "nexus.bench.limiter", matches = "true")
    void admissionsPerSecond() throws Exception {
        int outstanding = Integer.getInteger("nexus.bench.outstanding", 64);
        int seconds = Integer.getInteger("nexus.bench.seconds", 20);
        int warmup = Integer.getInteger("nexus.bench.warmup", 8);
        List<Principal> tenants = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            String id = "bench-" + label() + "-" + i;
            tenants.add(new Principal("key_" + id, KeyLevel.APP, "t-" + id, null, new Limits(1_000_000_000, null, null, null, null, null),
                    new Limits(1_000_000_000, 2_000_000_000, 1_000_000_000_000L, null, null, null), null, null));
        }
        List<Long> pids = new ArrayList<>();
        for (int port : redisPorts()) {
            pids.add(pidListening(port));
        }

        run(tenants, outstanding, warmup);
        long redisBefore = ticks(pids), jvmBefore = ticks(List.of(ProcessHandle.current().pid()));
        long batchesBefore = limiter.clusterBatches.get();
        long start = System.nanoTime();
        long[] counts = run(tenants, outstanding, seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long redisTicks = ticks(pids) - redisBefore, jvmTicks = ticks(List.of(ProcessHandle.current().pid())) - jvmBefore;

        long batches = limiter.clusterBatches.get() - batchesBefore;
        long admitted = counts[0];
        double hz = 100.0; // USER_HZ on Linux
        String report = String.format(Locale.ROOT, """
                limiter benchmark: %s (%d Redis process%s, %d tenants, %d outstanding per event loop, %d s after %d s warm-up)
                admissions        %d (refused %d, decided locally %d)
                admissions/s      %.0f
                Redis CPU         %.2f s = %.1f µs per admission (%.0f %% of one core)
                gateway JVM CPU   %.2f s = %.1f µs per admission
                %s""", label(), pids.size(), pids.size() == 1 ? "" : "es", TENANTS, outstanding, seconds, warmup,
                admitted, counts[1], counts[2], admitted / elapsed,
                redisTicks / hz, redisTicks / hz * 1e6 / admitted, redisTicks / hz / elapsed * 100,
                jvmTicks / hz, jvmTicks / hz * 1e6 / admitted,
                batches == 0 ? "" : String.format(Locale.ROOT, "master batches    %d = %.1f admissions per batch%n", batches, (double) admitted / batches));
        System.out.println(report);
        Files.writeString(Path.of("target", "bench-limiter-" + label() + ".txt"), report);
        assertThat(counts[1]).as("refused").isZero();
        assertThat(counts[2]).as("decided by the replica alone (Redis did not answer)").isZero();
        assertThat(admitted).isPositive();
    }

    /** Keeps {@code outstanding} admissions running on each event loop for {@code seconds}: {admitted, refused, local}. */
    private long[] run(List<Principal> tenants, int outstanding, int seconds) throws InterruptedException {
        AtomicLong admitted = new AtomicLong(), refused = new AtomicLong(), local = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        CountDownLatch done = new CountDownLatch(loops * outstanding);
        for (int l = 0; l < loops; l++) {
            Context ctx = vertx.getOrCreateContext();
            int lane = l;
            ctx.runOnContext(v -> {
                for (int i = 0; i < outstanding; i++) {
                    next(tenants, lane * outstanding + i, admitted, refused, local, stop, done);
                }
            });
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        assertThat(done.await(30, TimeUnit.SECONDS)).as("every admission answered").isTrue();
        return new long[]{admitted.get(), refused.get(), local.get()};
    }

    private void next(List<Principal> tenants, long n, AtomicLong admitted, AtomicLong refused, AtomicLong local,
                      AtomicBoolean stop, CountDownLatch done) {
        if (stop.get()) {
            done.countDown();
            return;
        }
        long now = System.currentTimeMillis();
        Charge c = Charge.of(secrets.redisNames(), "req_" + n + "_" + now, tenants.get((int) (n % TENANTS)), now, List.of());
        c.reserve(100, 0, now + 600_000);
        limiter.admit(c).onComplete(ar -> {
            if (ar.succeeded() && ar.result().admitted() && !ar.result().local()) {
                admitted.incrementAndGet();
            } else if (ar.succeeded() && ar.result().local()) {
                local.incrementAndGet();
            } else {
                refused.incrementAndGet();
            }
            // through the loop's queue: a decision made at once (Redis unreachable) must not recurse
            Vertx.currentContext().runOnContext(v -> next(tenants, n + 1_000_003L, admitted, refused, local, stop, done));
        });
    }

    private static long pidListening(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-ltnpH", "sport = :" + port).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("pid=(\\d+)").matcher(out);
        assertThat(m.find()).as("a process listening on " + port + ": " + out).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long ticks(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        }
        return sum;
    }
}
