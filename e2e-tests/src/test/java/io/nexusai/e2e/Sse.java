package io.nexusai.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A plain SSE client for tests that need the raw events of a stream (framing, order, errors). */
final class Sse {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Sse() {
    }

    /** POSTs and returns the {@code data} of every event, in order (the stream's framing is checked strictly). */
    static List<String> post(String url, String key, String json) throws IOException, InterruptedException {
        List<String> events = new ArrayList<>();
        stream(url, key, json, events::add);
        return events;
    }

    /** POSTs and hands each event's data to {@code onEvent} as it arrives. */
    static int stream(String url, String key, String json, Consumer<String> onEvent) throws IOException, InterruptedException {
        return streamWhile(url, key, json, Map.of(), data -> {
            onEvent.accept(data);
            return true;
        });
    }

    /**
     * POSTs with extra headers and hands each event's data to {@code onEvent} while it returns {@code true}; when it
     * returns {@code false} the connection is closed at once, as a client that goes away.
     */
    static int streamWhile(String url, String key, String json, Map<String, String> headers, Predicate<String> onEvent)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        HttpResponse<java.io.InputStream> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            String data = null;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null && !onEvent.test(data)) {
                        return r.statusCode();
                    }
                    data = null;
                } else if (line.startsWith("data: ")) {
                    if (data != null) {
                        throw new IllegalStateException("two data lines in one event: " + line);
                    }
                    data = line.substring(6);
                } else {
                    throw new IllegalStateException("unexpected SSE line: " + line);
                }
            }
            if (data != null) {
                throw new IllegalStateException("stream ended inside an event: " + data);
            }
        }
        return r.statusCode();
    }

    /** One event of a stream whose events are named ({@code event: <name>}), as Responses and Messages send them. */
    record Event(String name, String data) {
    }

    /**
     * POSTs and returns every event with its name, in order: each must be an {@code event:} line followed by one
     * {@code data:} line and a blank line (the framing of typed-event APIs, checked strictly).
     */
    static List<Event> named(String url, String key, String json, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        HttpResponse<java.io.InputStream> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("status " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Event> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            String name = null;
            String data = null;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (name == null || data == null) {
                        throw new IllegalStateException("an event without its name or data: " + name + " / " + data);
                    }
                    events.add(new Event(name, data));
                    name = null;
                    data = null;
                } else if (line.startsWith("event: ") && name == null && data == null) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ") && name != null && data == null) {
                    data = line.substring(6);
                } else {
                    throw new IllegalStateException("unexpected SSE line: " + line);
                }
            }
            if (name != null || data != null) {
                throw new IllegalStateException("stream ended inside an event: " + name + " / " + data);
            }
        }
        return events;
    }
}
