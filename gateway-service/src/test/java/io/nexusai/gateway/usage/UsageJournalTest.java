package io.nexusai.gateway.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.events.UsageEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage journal on a real directory: appended records come back in order and go once acknowledged, segments
 * rotate and are deleted, a record cut short by a killed process or damaged on disk is skipped, a dead owner's journal
 * is taken over by exactly one live owner (from where its acknowledgements ended), and a full disk refuses the
 * record without throwing.
 */
class UsageJournalTest {
    static final long MB = 1 << 20;
    Path dir;
    final List<UsageJournal> opened = new ArrayList<>();

    @BeforeEach
    void directory() throws IOException {
        dir = Files.createDirectories(Path.of("target", "usage-journal-test", UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterEach
    void closeAll() {
        opened.forEach(UsageJournal::close);
    }

    UsageJournal journal(String owner, long maxBytes, long segmentBytes) {
        UsageJournal j = new UsageJournal(dir, owner, maxBytes, segmentBytes);
        j.open();
        opened.add(j);
        return j;
    }

    static byte[] json(String id) {
        return ("{\"request_id\":\"" + id + "\",\"tenant_id\":\"t\",\"prompt_tokens\":10}").getBytes(StandardCharsets.UTF_8);
    }

    static List<String> texts(UsageJournal.Batch b) {
        return b.records.stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    /** Everything the journal gives, acknowledged batch by batch. */
    static List<String> drain(UsageJournal j) {
        List<String> all = new ArrayList<>();
        while (true) {
            UsageJournal.Batch b = j.next(7, 1 << 20);
            if (b.isEmpty()) {
                return all;
            }
            all.addAll(texts(b));
            j.acknowledge(b);
        }
    }

    List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void appendedRecordsComeBackInOrderAndGoOnceAcknowledged() throws IOException {
        UsageJournal j = journal("a", MB, MB);
        for (int i = 0; i < 20; i++) {
            assertThat(j.append(json("r" + i), i % 2 == 0 ? "r" + i + " 15 300 {n}:q:t 86400 ." : null)).isTrue();
        }
        assertThat(j.pending()).isEqualTo(20);

        UsageJournal.Batch first = j.next(5, 1 << 20);
        assertThat(texts(first)).hasSize(5).first().isEqualTo(new String(json("r0"), StandardCharsets.UTF_8) + "\tr0 15 300 {n}:q:t 86400 .");
        assertThat(first.more).isTrue();
        // not acknowledged (Redis did not answer): the same records come again
        assertThat(texts(j.next(5, 1 << 20))).isEqualTo(texts(first));
        j.acknowledge(first);
        assertThat(j.pending()).isEqualTo(15);

        List<String> rest = drain(j);
        assertThat(rest).hasSize(15).first().isEqualTo(new String(json("r5"), StandardCharsets.UTF_8));
        assertThat(j.pending()).isZero();
        // the live segment stays (its thread appends to it), with how much of it Redis has
        List<String> files = files();
        assertThat(files).anyMatch(f -> f.endsWith(".journal")).anyMatch(f -> f.endsWith(".ack")).anyMatch(f -> f.equals("owner.a.lock"));
        Path ack = dir.resolve(files.stream().filter(f -> f.endsWith(".ack")).findFirst().orElseThrow());
        Path segment = dir.resolve(files.stream().filter(f -> f.endsWith(".journal")).findFirst().orElseThrow());
        assertThat(Long.parseLong(Files.readString(ack).trim())).isEqualTo(Files.size(segment));
        assertThat(j.next(5, 1 << 20).isEmpty()).isTrue();
    }

    @Test
    void segmentsRotateAndAreDeletedOnceAcknowledgedAndDiskUseIsBounded() throws IOException {
        UsageJournal j = journal("a", 2048, 1024);
        for (int i = 0; i < 40; i++) {
            assertThat(j.append(json("r" + i), null)).isTrue();
        }
        long segments = files().stream().filter(f -> f.endsWith(".journal")).count();
        assertThat(segments).isGreaterThan(2);
        // past the maximum size the journal refuses appends (the caller keeps the event another way)
        j.refresh();
        assertThat(j.full()).isTrue();
        assertThat(j.append(json("refused"), null)).isFalse();

        List<String> all = drain(j);
        assertThat(all).hasSize(40).doesNotContain(new String(json("refused"), StandardCharsets.UTF_8));
        for (int i = 0; i < 40; i++) {
            assertThat(all.get(i)).contains("\"r" + i + "\"");
        }
        // every sealed segment is gone; the live one stays
        assertThat(files().stream().filter(f -> f.endsWith(".journal"))).hasSize(1);
        assertThat(j.full()).isFalse();
        assertThat(j.append(json("again"), null)).isTrue();
        assertThat(drain(j)).containsExactly(new String(json("again"), StandardCharsets.UTF_8));
    }

    @Test
    void aRecordCutShortByAKilledProcessOrDamagedOnDiskIsSkipped() throws IOException {
        UsageJournal dead = journal("dead", MB, MB);
        for (int i = 0; i < 3; i++) {
            dead.append(json("d" + i), null);
        }
        Path segment = dir.resolve(files().stream().filter(f -> f.endsWith(".journal")).findFirst().orElseThrow());
        // one more record, damaged on disk (a byte of its payload changed), then the process dies in a write
        dead.append(json("d3"), null);
        byte[] bytes = Files.readAllBytes(segment);
        int last = new String(bytes, StandardCharsets.UTF_8).lastIndexOf("d3");
        bytes[last] = 'x';
        Files.write(segment, bytes);
        dead.append(json("d4"), null);
        Files.write(segment, "0badc0de {\"request_id\":\"cut".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        dead.close(); // a killed process: its lock is free, its journal is left as it was
        opened.remove(dead);

        UsageJournal next = journal("next", MB, MB);
        next.scan();
        assertThat(next.pending()).isEqualTo(5); // whole lines, the damaged one included
        List<String> replayed = drain(next);
        assertThat(replayed).hasSize(4).allMatch(r -> r.contains("\"d")).noneMatch(r -> r.contains("d3") || r.contains("cut"));
        assertThat(next.lost()).isEqualTo(2);
        assertThat(next.pending()).isZero();
        // the dead owner's journal and lock are gone
        assertThat(files()).noneMatch(f -> f.contains("dead"));
    }

    @Test
    void aDeadOwnersJournalGoesToExactlyOneLiveOwnerFromWhereItsAcknowledgementsEnded() throws Exception {
        UsageJournal a = journal("a", MB, 512);
        UsageJournal b = journal("b", MB, MB);
        UsageJournal c = journal("c", MB, MB);
        for (int i = 0; i < 30; i++) {
            a.append(json("a" + i), null);
        }
        // a lives: nobody takes its journal
        b.scan();
        c.scan();
        assertThat(b.next(100, 1 << 20).isEmpty()).isTrue();
        assertThat(c.next(100, 1 << 20).isEmpty()).isTrue();
        // Redis took the first 12 of a's events, then a was killed
        UsageJournal.Batch batch = a.next(12, 1 << 20);
        assertThat(batch.records).hasSize(12);
        a.acknowledge(batch);
        a.close();
        opened.remove(a);

        b.scan();
        c.scan(); // b holds a's lock now: c finds nothing to take
        assertThat(c.next(100, 1 << 20).isEmpty()).isTrue();
        List<String> taken = drain(b);
        assertThat(taken).hasSize(18);
        for (int i = 0; i < 18; i++) {
            assertThat(taken.get(i)).contains("\"a" + (i + 12) + "\"");
        }
        assertThat(files()).noneMatch(f -> f.contains(".a.")).doesNotContain("owner.a.lock").contains("owner.b.lock", "owner.c.lock");
        c.scan();
        assertThat(c.next(100, 1 << 20).isEmpty()).isTrue();
    }

    @Test
    void aSpoolFileOfAnEarlierVersionIsShippedToo() throws IOException {
        Files.writeString(dir.resolve("usage-12345_oldhost-1.jsonl"), "{\"request_id\":\"old1\"}\n{\"request_id\":\"old2\"}\told2 5 0 .\n");
        UsageJournal j = journal("new", MB, MB);
        j.scan();
        assertThat(drain(j)).containsExactly("{\"request_id\":\"old1\"}", "{\"request_id\":\"old2\"}\told2 5 0 .");
        assertThat(files()).containsExactly("owner.new.lock");
    }

    @Test
    void aFullDiskRefusesTheRecordWithoutThrowingAndTheJournalGoesOnAfterwards() throws Exception {
        Path devFull = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(devFull), "/dev/full is needed to fill a disk");
        UsageJournal j = journal("full", MB, MB);
        // the thread's first segment lands on a device that is always full (writes fail with ENOSPC)
        Files.createSymbolicLink(dir.resolve("usage.full.0.0000000001.journal"), devFull);
        boolean[] results = new boolean[2];
        Thread writer = new Thread(() -> {
            results[0] = j.append(json("lost"), null);
            try {
                Thread.sleep(1100); // a failed thread tries again a second later, on a new segment
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            results[1] = j.append(json("kept"), null);
        });
        writer.start();
        writer.join();
        assertThat(results[0]).isFalse();
        assertThat(results[1]).isTrue();
        assertThat(drain(j)).containsExactly(new String(json("kept"), StandardCharsets.UTF_8));
    }

    @Test
    void threadsAppendConcurrentlyWhileTheShipperReadsAndEveryRecordArrivesOnce() throws Exception {
        UsageJournal j = journal("a", 64 * MB, 8192);
        int threads = 4, each = 5000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    if (!j.append(json(id + "-" + i), null)) {
                        throw new AssertionError("refused");
                    }
                }
            });
            w.start();
            writers.add(w);
        }
        Map<Integer, Integer> nextOf = new HashMap<>();
        int received = 0;
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received < threads * each && System.nanoTime() < deadline) {
            UsageJournal.Batch b = j.next(512, 1 << 20);
            for (String r : texts(b)) {
                String id = r.substring(r.indexOf(":\"") + 2, r.indexOf("\","));
                int writer = Integer.parseInt(id.substring(0, id.indexOf('-')));
                int n = Integer.parseInt(id.substring(id.indexOf('-') + 1));
                // each thread's records arrive once, in the order it appended them
                assertThat(n).isEqualTo(nextOf.getOrDefault(writer, 0));
                nextOf.put(writer, n + 1);
                received++;
            }
            j.acknowledge(b);
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(received).isEqualTo(threads * each);
        assertThat(drain(j)).isEmpty();
        // sealed segments went as they were acknowledged: one live segment per thread at most
        assertThat(files().stream().filter(f -> f.endsWith(".journal")).count()).isLessThanOrEqualTo(threads);
    }

    /**
     * Not a benchmark with a verdict (timings vary with the machine), a figure for the docs: the cost on the calling
     * thread of journaling a realistic usage event (Jackson serialisation, then the append: checksum and one write into
     * the page cache), averaged over a loop after a warm-up.
     */
    @Test
    void appendCostLoop() throws Exception {
        UsageJournal j = journal("cost", 1L << 30, 4 * MB);
        ObjectMapper mapper = new ObjectMapper();
        UsageEvent event = new UsageEvent("req_0123456789abcdef0123456789abcdef", "client-req-42", System.currentTimeMillis(),
                "tenant-acme", "key_0123456789ab", "chat.completions", "nexus-gpt4", 12, "openai-main", 34, "gpt-4o-2024-08-06",
                true, 200, 1234, 567, false, 842, new BigDecimal("1.25"), "4bf92f3577b34da6a3ce929d0e0e4736");
        int warm = 20_000, n = 100_000;
        long serialise = 0, append = 0, read = 0;
        for (int round = 0; round < 2; round++) {
            int count = round == 0 ? warm : n;
            long t0 = System.nanoTime();
            byte[] json = null;
            for (int i = 0; i < count; i++) {
                json = mapper.writeValueAsBytes(event);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                j.append(json, null);
            }
            long t2 = System.nanoTime();
            serialise = t1 - t0;
            append = t2 - t1;
            long t3 = System.nanoTime();
            while (true) {
                UsageJournal.Batch b = j.next(512, 1 << 20);
                if (b.isEmpty()) {
                    break;
                }
                j.acknowledge(b);
            }
            read = System.nanoTime() - t3;
        }
        System.out.printf("usage journal, loop measurement on this machine: serialise %.2f us + append %.2f us per event (%d bytes)"
                        + " on the request's thread; read back, checked and acknowledged by the shipper %.2f us per event%n",
                serialise / 1000.0 / n, append / 1000.0 / n, mapper.writeValueAsBytes(event).length + 10, read / 1000.0 / n);
        assertThat(j.pending()).isZero();
    }

    @AfterEach
    void tidy() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
