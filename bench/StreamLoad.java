import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Streaming load for the data-plane benchmarks (bench/data-plane.sh, bench/soak.sh): streamed chat completions
 * ({@code "stream": true, "stream_options": {"include_usage": true}}, {@code max_tokens} chunks) over plain
 * HTTP/1.1 sockets, one virtual thread per client, connections kept alive between the streams of a client. No
 * dependencies: {@code java bench/StreamLoad.java <mode> [--option value]...}. Every stream is checked: status 200,
 * the content chunks counted, the usage chunk and {@code [DONE]} seen.
 *
 * <p>Modes:
 * <ul>
 *   <li>{@code held}: opens {@code --streams} streams at once (spread over {@code --ramp-ms}), waits until every
 *   one has received its first content chunk, runs {@code --on-held} (a shell command: the probe that measures the
 *   proxy while they are held), then reads them all to their end. The upstream must pace the streams (a fault rule
 *   at the mock) so that they stay open long enough.</li>
 *   <li>{@code soak}: {@code --concurrency} clients stream back to back for {@code --duration} seconds; every
 *   {@code --abort-every}-th stream is abandoned (socket closed) after {@code --abort-after} content chunks. Prints
 *   a {@code SOAK} line with the counters every {@code --report-every} seconds.</li>
 * </ul>
 * The last line is {@code RESULT key=value ...}.
 *
 * <p>Options: {@code --url} (http://host:port/v1/chat/completions), {@code --key}, {@code --model},
 * {@code --max-tokens} (50), {@code --timeout-s} (read timeout, 120).
 */
public class StreamLoad {
    /** Long enough for the mock to answer with more than 50 tokens, so that max_tokens sets the chunk count. */
    static final String PROMPT = "Please stream a long greeting to the benchmark: one two three four five six seven eight"
            + " nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one"
            + " twenty-two twenty-three twenty-four twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty.";

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java StreamLoad.java held|soak --url U --key K --model M [options]");
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        Target target = new Target(URI.create(need(opts, "url")), need(opts, "key"), need(opts, "model"),
                Integer.parseInt(opts.getOrDefault("max-tokens", "50")),
                Integer.parseInt(opts.getOrDefault("timeout-s", "120")) * 1000);
        switch (args[0]) {
            case "held" -> held(target, Integer.parseInt(opts.getOrDefault("streams", "1000")),
                    Long.parseLong(opts.getOrDefault("ramp-ms", "2000")), opts.get("on-held"));
            case "soak" -> soak(target, Integer.parseInt(opts.getOrDefault("concurrency", "8")),
                    Long.parseLong(opts.getOrDefault("duration", "60")),
                    Integer.parseInt(opts.getOrDefault("abort-every", "10")),
                    Integer.parseInt(opts.getOrDefault("abort-after", "5")),
                    Long.parseLong(opts.getOrDefault("report-every", "10")));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static String need(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------ held

    static void held(Target target, int n, long rampMs, String onHeld) throws Exception {
        CountDownLatch first = new CountDownLatch(n);
        CountDownLatch ended = new CountDownLatch(n);
        Stats stats = new Stats();
        long[] ttfc = new long[n];
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                final int id = i;
                pool.submit(() -> {
                    AtomicBoolean counted = new AtomicBoolean();
                    Runnable firstSeen = () -> {
                        if (counted.compareAndSet(false, true)) {
                            first.countDown();
                        }
                    };
                    try {
                        long delay = rampMs * id / n;
                        if (delay > 0) {
                            Thread.sleep(delay);
                        }
                        try (Conn conn = new Conn(target)) {
                            long start = System.nanoTime();
                            Result r = conn.stream(0, firstSeen);
                            ttfc[id] = r.firstContentNs > 0 ? r.firstContentNs - start : -1;
                            stats.add(r, target.maxTokens);
                        }
                    } catch (Exception e) {
                        stats.failed(e);
                    } finally {
                        firstSeen.run();
                        ended.countDown();
                    }
                    return null;
                });
            }
            boolean all = first.await(rampMs + 120_000, TimeUnit.MILLISECONDS);
            long heldAt = System.nanoTime();
            long openAtProbe = ended.getCount();
            System.out.printf(Locale.ROOT, "HELD all_first_content=%s open=%d after_ms=%d%n", all, openAtProbe,
                    (heldAt - t0) / 1_000_000);
            System.out.flush();
            long openAfterProbe = openAtProbe;
            if (onHeld != null && !onHeld.isBlank()) {
                Process p = new ProcessBuilder("bash", "-c", onHeld).inheritIO().start();
                int rc = p.waitFor();
                openAfterProbe = ended.getCount();
                System.out.printf(Locale.ROOT, "PROBE rc=%d open_after=%d probe_ms=%d%n", rc, openAfterProbe,
                        (System.nanoTime() - heldAt) / 1_000_000);
                System.out.flush();
            }
            ended.await();
            long wall = System.nanoTime() - t0;
            long[] ok = Arrays.stream(ttfc).filter(v -> v >= 0).sorted().toArray();
            System.out.printf(Locale.ROOT, "RESULT streams=%d %s open_at_probe=%d open_after_probe=%d"
                            + " first_content_p50_ms=%.1f first_content_p99_ms=%.1f wall_s=%.1f%n",
                    n, stats, openAtProbe, openAfterProbe, pct(ok, 50) / 1e6, pct(ok, 99) / 1e6, wall / 1e9);
        }
    }

    static long pct(long[] sorted, int p) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
    }

    // ------------------------------------------------------------------------------------------------ soak

    static void soak(Target target, int concurrency, long durationS, int abortEvery, int abortAfter, long reportS)
            throws Exception {
        Stats stats = new Stats();
        AtomicLong sequence = new AtomicLong();
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(durationS);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < concurrency; i++) {
                pool.submit(() -> {
                    Conn conn = null;
                    while (System.nanoTime() < deadline) {
                        long seq = sequence.incrementAndGet();
                        int abort = abortEvery > 0 && seq % abortEvery == 0 ? abortAfter : 0;
                        try {
                            if (conn == null) {
                                conn = new Conn(target);
                            }
                            Result r = conn.stream(abort, null);
                            stats.add(r, target.maxTokens);
                            if (!r.reusable) {
                                conn.close();
                                conn = null;
                            }
                        } catch (Exception e) {
                            stats.failed(e);
                            if (conn != null) {
                                conn.close();
                                conn = null;
                            }
                            sleepQuietly(100);
                        }
                    }
                    if (conn != null) {
                        conn.close();
                    }
                    return null;
                });
            }
            long next = t0 + TimeUnit.SECONDS.toNanos(reportS);
            while (System.nanoTime() < deadline) {
                long wait = Math.min(next, deadline) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (System.nanoTime() >= next) {
                    System.out.printf(Locale.ROOT, "SOAK t=%d %s%n", (System.nanoTime() - t0) / 1_000_000_000L, stats);
                    System.out.flush();
                    next += TimeUnit.SECONDS.toNanos(reportS);
                }
            }
        }
        System.out.printf(Locale.ROOT, "RESULT %s wall_s=%.1f%n", stats, (System.nanoTime() - t0) / 1e9);
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------------------------ counters

    static final class Stats {
        final LongAdder complete = new LongAdder();   // 200, every chunk, usage and [DONE]
        final LongAdder incomplete = new LongAdder(); // 200 but chunks, usage or [DONE] missing
        final LongAdder aborted = new LongAdder();    // abandoned on purpose
        final LongAdder non200 = new LongAdder();
        final LongAdder failed = new LongAdder();     // I/O errors, timeouts
        final LongAdder chunks = new LongAdder();
        volatile String lastError = "";
        volatile String lastStatus = "";

        void add(Result r, int expectedChunks) {
            chunks.add(r.content);
            if (r.status != 200) {
                non200.increment();
                lastStatus = Integer.toString(r.status);
            } else if (r.aborted) {
                aborted.increment();
            } else if (r.content == expectedChunks && r.usage && r.done) {
                complete.increment();
            } else {
                incomplete.increment();
            }
        }

        void failed(Exception e) {
            failed.increment();
            lastError = e.getClass().getSimpleName() + ":" + String.valueOf(e.getMessage()).replace(' ', '_');
        }

        @Override
        public String toString() {
            return "complete=" + complete.sum() + " incomplete=" + incomplete.sum() + " aborted=" + aborted.sum()
                    + " non200=" + non200.sum() + " failed=" + failed.sum() + " chunks=" + chunks.sum()
                    + (lastStatus.isEmpty() ? "" : " last_status=" + lastStatus)
                    + (lastError.isEmpty() ? "" : " last_error=" + lastError);
        }
    }

    // ------------------------------------------------------------------------------------------------ HTTP/1.1

    record Target(URI uri, String key, String model, int maxTokens, int timeoutMs) {
        byte[] request() {
            String body = "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\nAccept: text/event-stream"
                    + "\r\nContent-Length: " + b.length + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(h, h.length + b.length);
            System.arraycopy(b, 0, all, h.length, b.length);
            return all;
        }
    }

    static final class Result {
        int status;
        int content;
        boolean usage;
        boolean done;
        boolean aborted;
        boolean reusable;
        long firstContentNs;
    }

    /** One client connection; streams one request at a time. */
    static final class Conn implements AutoCloseable {
        final Target target;
        final byte[] request;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final ByteArrayOutputStream line = new ByteArrayOutputStream(512);

        Conn(Target target) throws IOException {
            this.target = target;
            this.request = target.request();
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(target.timeoutMs);
            socket.connect(new InetSocketAddress(target.uri.getHost(), target.uri.getPort()), 10_000);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }

        /**
         * Sends the request and reads the answer to its end, or until {@code abortAfter} content chunks (then the
         * socket is closed). {@code onFirstContent} runs at the first content chunk.
         */
        Result stream(int abortAfter, Runnable onFirstContent) throws IOException {
            Result r = new Result();
            out.write(request);
            out.flush();
            String status = readLine();
            if (status == null) {
                throw new IOException("connection closed before the status line");
            }
            String[] parts = status.split(" ", 3);
            r.status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String h; (h = readLine()) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> close = value.contains("close");
                    default -> { }
                }
            }
            Sse sse = new Sse(r, abortAfter, onFirstContent);
            boolean complete;
            if (chunked) {
                complete = readChunked(sse);
            } else if (length >= 0) {
                complete = readFixed(length, sse);
            } else {
                complete = readToClose(sse);
                close = true;
            }
            r.reusable = complete && !close && !r.aborted;
            if (r.aborted) {
                close();
            }
            return r;
        }

        private boolean readChunked(Sse sse) throws IOException {
            while (true) {
                String sizeLine = readLine();
                if (sizeLine == null) {
                    return false;
                }
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    for (String t; (t = readLine()) != null && !t.isEmpty(); ) {
                        // trailers
                    }
                    return true;
                }
                if (!feed(size, sse)) {
                    return false;
                }
                readLine(); // CRLF after the chunk
            }
        }

        private boolean readFixed(long length, Sse sse) throws IOException {
            return feed(length, sse);
        }

        private boolean readToClose(Sse sse) throws IOException {
            return feed(Long.MAX_VALUE, sse);
        }

        /** Passes {@code n} body bytes to the SSE parser; false when the stream was aborted or ended early. */
        private boolean feed(long n, Sse sse) throws IOException {
            for (long i = 0; i < n; i++) {
                int b = in.read();
                if (b < 0) {
                    return n == Long.MAX_VALUE;
                }
                if (sse.accept(b)) {
                    return false; // aborted
                }
            }
            return true;
        }

        private String readLine() throws IOException {
            line.reset();
            for (int b; (b = in.read()) >= 0; ) {
                if (b == '\n') {
                    int len = line.size();
                    byte[] bytes = line.toByteArray();
                    return new String(bytes, 0, len > 0 && bytes[len - 1] == '\r' ? len - 1 : len, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Counts the events of an OpenAI chat stream, line by line. */
    static final class Sse {
        final Result r;
        final int abortAfter;
        final Runnable onFirstContent;
        final ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);

        Sse(Result r, int abortAfter, Runnable onFirstContent) {
            this.r = r;
            this.abortAfter = abortAfter;
            this.onFirstContent = onFirstContent;
        }

        /** @return true when the stream is to be abandoned now */
        boolean accept(int b) {
            if (b != '\n') {
                buf.write(b);
                return false;
            }
            String l = buf.toString(StandardCharsets.UTF_8);
            buf.reset();
            if (!l.startsWith("data:")) {
                return false;
            }
            if (l.contains("[DONE]")) {
                r.done = true;
            } else if (l.contains("\"usage\":{")) {
                r.usage = true;
            } else if (hasContent(l)) {
                r.content++;
                if (r.content == 1) {
                    r.firstContentNs = System.nanoTime();
                    if (onFirstContent != null) {
                        onFirstContent.run();
                    }
                }
                if (abortAfter > 0 && r.content >= abortAfter) {
                    r.aborted = true;
                    return true;
                }
            }
            return false;
        }

        static boolean hasContent(String l) {
            int at = l.indexOf("\"content\":\"");
            return at >= 0 && at + 11 < l.length() && l.charAt(at + 11) != '"';
        }
    }
}
