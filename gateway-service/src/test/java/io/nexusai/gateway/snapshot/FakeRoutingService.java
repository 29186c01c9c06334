package io.nexusai.gateway.snapshot;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * Tests only: a stand-in for routing-service's two snapshot endpoints (not a NexusAI database or Redis), with the
 * route tables of every version it was given, so it answers a delta from any of them the way routing-service does
 * (changed and removed aliases; the whole table when the version is not in its history). Records every request;
 * a test can make the next answer fail or rewrite it.
 */
public class FakeRoutingService implements QuarkusTestResourceLifecycleManager {
    static final List<String> REQUESTS = new CopyOnWriteArrayList<>();
    private static final Map<Long, Map<String, RouteEntry>> HISTORY = new ConcurrentHashMap<>();
    private static volatile long current;
    private static volatile boolean failNext;
    private static volatile UnaryOperator<RouteDelta> rewriteNext;
    private HttpServer server;

    /** Routing-service now holds this table at this version (and still has the earlier ones). */
    static void publish(long version, Map<String, RouteEntry> routes) {
        HISTORY.put(version, Map.copyOf(routes));
        current = version;
    }

    /** Routing-service's change log no longer reaches back before the current version. */
    static void forgetHistory() {
        HISTORY.keySet().removeIf(v -> v != current);
    }

    static void failNext() {
        failNext = true;
    }

    static void rewriteNextDelta(UnaryOperator<RouteDelta> rewrite) {
        rewriteNext = rewrite;
    }

    @Override
    public Map<String, String> start() {
        publish(1, Map.of());
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/internal/v1/routes", FakeRoutingService::handle);
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        // the %test value too: application.properties points %test at a closed port
        return Map.of("quarkus.rest-client.routing-service.url", url, "%test.quarkus.rest-client.routing-service.url", url,
                "nexus.gateway.route-resync", "1h");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery();
        REQUESTS.add(query == null ? path : path + "?" + query);
        if (failNext) {
            failNext = false;
            send(exchange, 503, "{\"error\":{\"message\":\"down\",\"type\":\"server_error\"}}");
            return;
        }
        long version = current;
        Map<String, RouteEntry> now = HISTORY.get(version);
        Object answer;
        if (path.endsWith("/changes")) {
            long since = Long.parseLong(query.substring("since=".length()));
            Map<String, RouteEntry> then = HISTORY.get(since);
            RouteDelta delta;
            if (then == null) {
                delta = RouteDelta.full(since, new RouteSnapshot(version, Instant.now(), now));
            } else {
                Map<String, RouteEntry> changed = new HashMap<>();
                now.forEach((alias, entry) -> {
                    if (!entry.equals(then.get(alias))) {
                        changed.put(alias, entry);
                    }
                });
                List<String> removed = new ArrayList<>(then.keySet());
                removed.removeAll(now.keySet());
                delta = new RouteDelta(false, since, version, Instant.now(), changed, removed);
            }
            UnaryOperator<RouteDelta> rewrite = rewriteNext;
            rewriteNext = null;
            answer = rewrite == null ? delta : rewrite.apply(delta);
        } else {
            answer = new RouteSnapshot(version, Instant.now(), now);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        RouteTableWire.write(out, answer instanceof RouteDelta delta ? delta : RouteDelta.full(-1, (RouteSnapshot) answer));
        send(exchange, 200, out.toByteArray());
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
