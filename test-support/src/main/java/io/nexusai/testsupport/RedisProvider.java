package io.nexusai.testsupport;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A real Redis server: the configured one when it answers PING, otherwise an embedded one (the real
 * redis-server binary from the embedded-redis artifact). Tests isolate themselves by a Redis namespace of
 * their own ({@code nexus.redis.namespace}), not by server.
 *
 * <p>Configured server for tests: {@code NEXUS_TEST_REDIS_URL} (default {@code redis://localhost:6379}).
 */
public final class RedisProvider {
    private static Server shared;

    /** A Redis server: its URL and, when we started it, the embedded process. */
    public record Server(String url, RedisServer embedded) {
        public void close() {
            if (embedded != null) {
                try {
                    embedded.stop();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        public int port() {
            return URI.create(url).getPort();
        }
    }

    private RedisProvider() {
    }

    /** The server shared by every test of this JVM, found or started on first use. */
    public static synchronized Server shared() {
        if (shared == null) {
            String url = PostgresProvider.env("NEXUS_TEST_REDIS_URL", "redis://localhost:6379");
            shared = pings(url) ? new Server(url, null) : startEmbedded(0);
            Server server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-redis-stop"));
        }
        return shared;
    }

    /** Starts an embedded redis-server on 127.0.0.1:{@code port} (0 = any free port). */
    public static Server startEmbedded(int port) {
        int p = port == 0 ? Ports.free() : port;
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(p)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
            return new Server("redis://127.0.0.1:" + p, server);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis did not start", e);
        }
    }

    /**
     * Starts an embedded redis-server on 127.0.0.1:{@code port} that writes every command to an append-only file
     * in {@code dir} before answering, so that one started again on the same directory has all the data: for
     * tests that stop and restart Redis the way a production one (with persistence) restarts.
     */
    public static Server startPersistent(int port, java.nio.file.Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly yes")
                    .setting("appendfsync always")
                    .setting("dir " + dir.toAbsolutePath())
                    .build();
            server.start();
            return new Server("redis://127.0.0.1:" + port, server);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Redis did not start", e);
        }
    }

    /** Whether a Redis at this URL answers PING (with AUTH when the URL carries a password). */
    public static boolean pings(String url) {
        URI uri = URI.create(url);
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String userInfo = uri.getUserInfo();
            if (userInfo != null && !userInfo.isEmpty()) {
                String[] parts = userInfo.split(":", 2);
                String auth = parts.length == 2 && !parts[0].isEmpty()
                        ? command("AUTH", parts[0], parts[1]) : command("AUTH", parts[parts.length - 1]);
                out.write(auth.getBytes(StandardCharsets.UTF_8));
                if (!readLine(in).startsWith("+OK")) {
                    return false;
                }
            }
            out.write(command("PING").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readLine(in).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static String command(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            sb.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        return sb.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
