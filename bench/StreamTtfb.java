import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;

/**
 * Time to first byte of streamed chat completions, directly to a provider and through the gateway, measured
 * in one JVM with the two targets alternating request by request (so client warm-up and machine noise hit
 * both alike): the time from sending a request to receiving the first {@code data:} event. After a warm-up of
 * 1000 request pairs, reports p50/p90/p99 of each and the p50 of the per-pair difference.
 *
 * <p>Usage: java StreamTtfb.java <direct url> <direct key> <direct model> <gateway url> <gateway key> <alias> <pairs>
 */
public class StreamTtfb {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[6]);
        long[] direct = new long[n];
        long[] gateway = new long[n];
        long[] diff = new long[n];
        for (int i = -1000; i < n; i++) {
            long d = ttfb(args[0], args[1], args[2]);
            long g = ttfb(args[3], args[4], args[5]);
            if (i >= 0) {
                direct[i] = d;
                gateway[i] = g;
                diff[i] = g - d;
            }
        }
        Arrays.sort(direct);
        Arrays.sort(gateway);
        Arrays.sort(diff);
        System.out.printf("direct_p50_us=%d direct_p90_us=%d direct_p99_us=%d gateway_p50_us=%d gateway_p90_us=%d gateway_p99_us=%d overhead_p50_us=%d%n",
                us(direct, 50), us(direct, 90), us(direct, 99), us(gateway, 50), us(gateway, 90), us(gateway, 99), us(diff, 50));
    }

    static long us(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1000;
    }

    /** Nanoseconds from send to the first byte of the first {@code data:} event; reads the stream to its end. */
    static long ttfb(String url, String key, String model) throws IOException, InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Stream a short greeting to the benchmark, please.\"}]}";
        long start = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        long first = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[8192];
            int read;
            while ((read = in.read(buf)) > 0) {
                if (first == 0) {
                    first = System.nanoTime();
                }
            }
        }
        if (r.statusCode() != 200 || first == 0) {
            throw new IllegalStateException(url + " answered " + r.statusCode());
        }
        return first - start;
    }
}
