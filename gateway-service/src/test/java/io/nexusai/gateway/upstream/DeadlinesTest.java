package io.nexusai.gateway.upstream;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.ContextInternal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The per-loop deadlines: never early, at most a tick or so late, disarmed ones never fire, nothing kept. */
class DeadlinesTest {
    static Vertx vertx;
    static ContextInternal loop;
    static Deadlines deadlines;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        loop = (ContextInternal) vertx.getOrCreateContext();
        deadlines = new Deadlines(loop);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static void onLoop(Consumer<Deadlines> action) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            action.accept(deadlines);
            done.complete(null);
        });
        done.get(5, TimeUnit.SECONDS);
    }

    @Test
    void firesOnceNotEarly() throws Exception {
        AtomicLong firedAt = new AtomicLong();
        AtomicInteger fired = new AtomicInteger();
        long armedAt = System.nanoTime();
        Deadlines.Deadline d = new Deadlines.Deadline(() -> {
            firedAt.set(System.nanoTime());
            fired.incrementAndGet();
        });
        onLoop(x -> x.arm(d, 50));
        await().until(() -> fired.get() == 1);
        assertThat(firedAt.get() - armedAt).isGreaterThanOrEqualTo(50_000_000L);
        Thread.sleep(100);
        assertThat(fired.get()).isEqualTo(1);
        assertThat(deadlines.size()).isZero();
        assertThat(d.armed()).isFalse();
    }

    @Test
    void disarmedAndMovedDeadlines() throws Exception {
        List<String> fired = new CopyOnWriteArrayList<>();
        Deadlines.Deadline cancelled = new Deadlines.Deadline(() -> fired.add("cancelled"));
        Deadlines.Deadline moved = new Deadlines.Deadline(() -> fired.add("moved"));
        onLoop(x -> {
            x.arm(cancelled, 30);
            x.arm(moved, 30);
        });
        onLoop(x -> {
            x.disarm(cancelled);
            x.arm(moved, 300);
        });
        Thread.sleep(150);
        assertThat(fired).isEmpty();
        await().until(() -> fired.contains("moved"));
        assertThat(fired).containsExactly("moved");
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void anActionMayDisarmADeadlineDueInTheSameTick() throws Exception {
        List<String> fired = new CopyOnWriteArrayList<>();
        Deadlines.Deadline[] pair = new Deadlines.Deadline[2];
        pair[0] = new Deadlines.Deadline(() -> {
            fired.add("first");
            deadlines.disarm(pair[1]);
        });
        pair[1] = new Deadlines.Deadline(() -> {
            fired.add("second");
            deadlines.disarm(pair[0]);
        });
        onLoop(x -> {
            x.arm(pair[0], 20);
            x.arm(pair[1], 20);
        });
        await().until(() -> !fired.isEmpty());
        Thread.sleep(100);
        assertThat(fired).hasSize(1);
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void thousandsArmedAndDisarmedLeaveNothing() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        Deadlines.Deadline[] all = new Deadlines.Deadline[5000];
        onLoop(x -> {
            for (int i = 0; i < all.length; i++) {
                all[i] = new Deadlines.Deadline(fired::incrementAndGet);
                x.arm(all[i], i % 2 == 0 ? 20 : 60_000);
            }
        });
        await().until(() -> fired.get() == 2500);
        assertThat(deadlines.size()).isEqualTo(2500);
        onLoop(x -> {
            for (Deadlines.Deadline d : all) {
                x.disarm(d);
            }
        });
        assertThat(deadlines.size()).isZero();
        assertThat(fired.get()).isEqualTo(2500);
    }
}
