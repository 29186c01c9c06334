import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Time to first byte and to the first content chunk of streamed chat completions through two targets — A, the
 * reference (nginx in front of the mock provider, or the mock itself), and B (the gateway) — measured in one JVM
 * with the two alternating request by request, which of them goes first swapping every pair, so that client
 * warm-up, machine noise and any order effect hit both alike. Each time runs from sending the request to the
 * first byte of the answer's body (the first {@code data:} event, the role chunk) and to the first chunk with
 * content; every stream is read to its end. After {@code warmup} pairs, reports p50/p90/p99 of each and the p50
 * of the per-pair differences B − A (the overhead of B).
 *
 * <p>Usage: {@code java StreamTtfb.java <pairs> <warmup pairs> <max_tokens> <label A> <url A> <key A> <model A>
 * <label B> <url B> <key B> <model B>}
 *
 * <p>Prints one line: {@code <label>_p50_us= <label>_p90_us= <label>_p99_us= <label>_content_p50_us= ...}
 * for A and B, then {@code overhead_p50_us=} (first byte) and {@code overhead_content_p50_us=} (first content
 * chunk), B − A per pair.
 */
public class StreamTtfb {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    static final String PROMPT = "Please stream a long greeting to the benchmark: one two three four five six seven eight"
            + " nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one"
            + " twenty-two twenty-three twenty-four twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty.";
    static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);

    record Target(String label, String url, String key, String model) {
    }

    /** Nanoseconds from sending to the first body byte and to the first content chunk. */
    record Times(long firstByte, long firstContent) {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int maxTokens = Integer.parseInt(args[2]);
        Target a = new Target(args[3], args[4], args[5], args[6]);
        Target b = new Target(args[7], args[8], args[9], args[10]);
        long[] byteA = new long[n];
        long[] byteB = new long[n];
        long[] contentA = new long[n];
        long[] contentB = new long[n];
        long[] diff = new long[n];
        long[] diffContent = new long[n];
        for (int i = -warmup; i < n; i++) {
            Times ta;
            Times tb;
            if ((i & 1) == 0) {
                ta = times(a, maxTokens);
                tb = times(b, maxTokens);
            } else {
                tb = times(b, maxTokens);
                ta = times(a, maxTokens);
            }
            if (i >= 0) {
                byteA[i] = ta.firstByte;
                byteB[i] = tb.firstByte;
                contentA[i] = ta.firstContent;
                contentB[i] = tb.firstContent;
                diff[i] = tb.firstByte - ta.firstByte;
                diffContent[i] = tb.firstContent - ta.firstContent;
            }
        }
        for (long[] x : new long[][]{byteA, byteB, contentA, contentB}) {
            Arrays.sort(x);
        }
        Arrays.sort(diff);
        Arrays.sort(diffContent);
        System.out.printf("%s_p50_us=%d %s_p90_us=%d %s_p99_us=%d %s_content_p50_us=%d %s_content_p99_us=%d "
                        + "%s_p50_us=%d %s_p90_us=%d %s_p99_us=%d %s_content_p50_us=%d %s_content_p99_us=%d "
                        + "overhead_p50_us=%d overhead_content_p50_us=%d pairs=%d%n",
                a.label, us(byteA, 50), a.label, us(byteA, 90), a.label, us(byteA, 99),
                a.label, us(contentA, 50), a.label, us(contentA, 99),
                b.label, us(byteB, 50), b.label, us(byteB, 90), b.label, us(byteB, 99),
                b.label, us(contentB, 50), b.label, us(contentB, 99),
                us(diff, 50), us(diffContent, 50), n);
    }

    static long us(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1000;
    }

    static Times times(Target t, int maxTokens) throws IOException, InterruptedException {
        String body = "{\"model\":\"" + t.model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":"
                + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        long start = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(t.url))
                .header("Authorization", "Bearer " + t.key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        long first = 0;
        long content = 0;
        int matched = 0; // bytes of CONTENT matched so far; CONTENT + a non-quote byte is a content chunk
        try (InputStream in = r.body()) {
            byte[] buf = new byte[8192];
            int read;
            while ((read = in.read(buf)) > 0) {
                if (first == 0) {
                    first = System.nanoTime();
                }
                for (int i = 0; i < read && content == 0; i++) {
                    if (matched == CONTENT.length) {
                        if (buf[i] != '"') {
                            content = System.nanoTime();
                        }
                        matched = 0;
                    } else if (buf[i] == CONTENT[matched]) {
                        matched++;
                    } else {
                        matched = buf[i] == CONTENT[0] ? 1 : 0;
                    }
                }
            }
        }
        if (r.statusCode() != 200 || first == 0 || content == 0) {
            throw new IllegalStateException(t.url + " answered " + r.statusCode() + (content == 0 ? " without content" : ""));
        }
        return new Times(first - start, content - start);
    }
}
