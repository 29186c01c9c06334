package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts one mock per test class and offers plain-HTTP helpers and a tiny Server-Sent Events parser. */
abstract class MockServerTestBase {
    static final String KEY = "sk-mock-key";
    static final ObjectMapper mapper = new ObjectMapper();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static Vertx vertx;
    static MockProviderServer server;

    @BeforeAll
    static void startServer() throws Exception {
        vertx = Vertx.vertx();
        server = new MockProviderServer(vertx, KEY).start("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    }

    @AfterAll
    static void stopServer() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    static HttpRequest.Builder request(String pathAndQuery, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    static HttpRequest postRequest(String pathAndQuery, String body, String... headers) {
        return request(pathAndQuery, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(String pathAndQuery, String body, String... headers) {
        return send(postRequest(pathAndQuery, body, headers));
    }

    /** POST to an OpenAI path with the right bearer key. */
    static HttpResponse<String> openAi(String path, String body, String... headers) {
        return post(path, body, withHeaders(headers, "Authorization", "Bearer " + KEY));
    }

    /** POST to an Azure path with the right api-key. */
    static HttpResponse<String> azure(String pathAndQuery, String body, String... headers) {
        return post(pathAndQuery, body, withHeaders(headers, "api-key", KEY));
    }

    /** POST to /v1/messages with the right x-api-key and anthropic-version. */
    static HttpResponse<String> anthropic(String body, String... headers) {
        return post("/v1/messages", body, withHeaders(headers, "x-api-key", KEY, "anthropic-version", "2023-06-01"));
    }

    static String[] withHeaders(String[] headers, String... more) {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(headers, 0, all, more.length, headers.length);
        return all;
    }

    static JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode get(String path) {
        return json(send(request(path).GET().build()).body());
    }

    static void delete(String path) {
        send(request(path).DELETE().build());
    }

    /** One Server-Sent Event: its {@code event:} name (null when absent) and {@code data:} payload. */
    record SseEvent(String event, String data) {
        JsonNode json() {
            return MockServerTestBase.json(data);
        }
    }

    /** Parses a complete SSE body: events are separated by a blank line; lines are {@code event:} or {@code data:}. */
    static List<SseEvent> sse(String body) {
        List<SseEvent> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring("data: ".length()));
                } else {
                    throw new AssertionError("unexpected SSE line: " + line);
                }
            }
            events.add(new SseEvent(event, data.toString()));
        }
        return events;
    }

    /** A line of a stream read as it arrives, with the time it arrived. */
    record TimedLine(String line, long nanos) {
    }

    /**
     * Reads a streamed answer line by line as it arrives. The raw body buffers are consumed by a subscriber, which
     * receives all data before a connection error (an {@code InputStream} body may drop unread data on error).
     *
     * @return the status, the non-empty lines, and {@code failure} set when the connection broke before the end
     */
    static StreamRead readStream(HttpRequest request) throws Exception {
        LineCollector collector = new LineCollector();
        AtomicInteger status = new AtomicInteger();
        try {
            http.send(request, info -> {
                status.set(info.statusCode());
                return HttpResponse.BodySubscribers.fromSubscriber(collector);
            });
        } catch (IOException e) {
            // the collector saw the same failure
        }
        Throwable failure = collector.end.get(30, TimeUnit.SECONDS).orElse(null);
        return new StreamRead(status.get(), List.copyOf(collector.lines), failure);
    }

    /** Splits raw body buffers into timed lines. */
    private static final class LineCollector implements Flow.Subscriber<List<ByteBuffer>> {
        final List<TimedLine> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Optional<Throwable>> end = new CompletableFuture<>();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            long now = System.nanoTime();
            for (ByteBuffer buffer : buffers) {
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        String line = pending.toString(StandardCharsets.UTF_8);
                        pending.reset();
                        if (!line.isEmpty()) {
                            lines.add(new TimedLine(line, now));
                        }
                    } else {
                        pending.write(b);
                    }
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            end.complete(Optional.of(throwable));
        }

        @Override
        public void onComplete() {
            end.complete(Optional.empty());
        }
    }

    record StreamRead(int status, List<TimedLine> lines, Throwable failure) {
        List<String> data() {
            return lines.stream().map(TimedLine::line).filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring("data: ".length())).toList();
        }
    }
}
