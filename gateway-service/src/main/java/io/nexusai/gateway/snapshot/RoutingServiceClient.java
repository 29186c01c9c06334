package io.nexusai.gateway.snapshot;

import io.nexusai.api.routing.RouteTableWire;
import io.nexusai.gateway.config.GatewayConfig;
import io.nexusai.service.config.PlatformSecrets;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The only door to routing-service: adds the service token, reads the route table as it arrives (JDK HttpClient,
 * whose body stream takes from the connection only as fast as the parser reads it) and bounds the whole pull —
 * headers and body — by {@code NEXUS_ROUTES_PULL_TIMEOUT} ({@link GatewayConfig#routesPullTimeout()}): at the
 * deadline the body stream is closed, so the parser fails instead of waiting on a stalled routing-service. Blocking:
 * called on the store's pull thread, never on an event loop.
 */
@ApplicationScoped
public class RoutingServiceClient {
    private final HttpClient http;
    private final URI routes;
    private final String bearer;
    private final Duration timeout;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nexus-route-pull-deadline");
        t.setDaemon(true);
        return t;
    });

    public RoutingServiceClient(@ConfigProperty(name = "quarkus.rest-client.routing-service.url") String url, GatewayConfig config,
                                PlatformSecrets secrets) {
        this.routes = URI.create(url.replaceAll("/+$", "") + "/internal/v1/routes");
        this.bearer = "Bearer " + secrets.internalToken();
        this.timeout = config.routesPullTimeout();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5)).build();
    }

    /** What a pull read: the table's header and how many bytes of body it took. */
    public record Pulled(RouteTableWire.Header header, long bytes) {
    }

    /** A pull that failed, with the bytes it had read by then (for the byte counter). */
    public static final class PullFailed extends IOException {
        private final long bytes;

        PullFailed(String message, Throwable cause, long bytes) {
            super(message, cause);
            this.bytes = bytes;
        }

        public long bytes() {
            return bytes;
        }
    }

    /**
     * Pulls the whole table ({@code since} {@code null}) or the changes after version {@code since} (which may be the
     * whole table: {@link RouteTableWire.Header#full()}), handing each entry to {@code sink} as it is read.
     *
     * @throws PullFailed when routing-service does not answer 200, the text is not a whole table in the expected
     *                    format, the sink refuses it, or the pull takes longer than the timeout
     */
    public Pulled pull(Long since, RouteTableWire.Sink sink) throws PullFailed {
        URI uri = since == null ? routes : URI.create(routes + "/changes?since=" + since);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", bearer)
                .header("Accept", "application/json").GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        Counting body = null;
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            body = new Counting(response.body());
            Counting stream = body;
            long left = Math.max(1, deadline - System.nanoTime());
            ScheduledFuture<?> cut = deadlines.schedule(() -> {
                stream.timedOut = true;
                stream.closeQuietly();
            }, left, TimeUnit.NANOSECONDS);
            try (InputStream in = stream) {
                if (response.statusCode() != 200) {
                    byte[] start = in.readNBytes(300);
                    throw new IOException("routing-service answered " + response.statusCode() + ": "
                            + new String(start, StandardCharsets.UTF_8).replaceAll("\\s+", " "));
                }
                RouteTableWire.Header header = RouteTableWire.read(new BufferedInputStream(in, 64 * 1024), sink);
                if (stream.timedOut) {
                    throw new IOException("timed out");
                }
                return new Pulled(header, stream.count);
            } finally {
                cut.cancel(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PullFailed("interrupted", e, body == null ? 0 : body.count);
        } catch (IOException | RuntimeException e) {
            boolean timedOut = e instanceof java.net.http.HttpTimeoutException || (body != null && body.timedOut);
            String message = timedOut ? "no whole answer within " + timeout.toMillis() + " ms (NEXUS_ROUTES_PULL_TIMEOUT)"
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            throw new PullFailed(message, e, body == null ? 0 : body.count);
        }
    }

    /** Counts the bytes read; can be closed from the deadline thread. */
    private static final class Counting extends FilterInputStream {
        volatile long count;
        volatile boolean timedOut;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // closing is all the deadline does
            }
        }
    }
}
