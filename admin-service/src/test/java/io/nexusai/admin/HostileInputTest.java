package io.nexusai.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.unique;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded barrage of malformed and hostile requests against every input of the admin API: bodies, path and query
 * parameters, content types, authentication and sizes. Every answer must be a 4xx with OpenAI's error envelope,
 * without stack traces or internal class names, and the database must be exactly as before.
 *
 * <p>Bodies are made from a valid body of each kind with one field (or the whole body) broken. Values that are
 * odd but that the API may legitimately accept (free text that looks like SQL, numbers in text fields, a BOM...) are
 * sent together with a "poison", a second field that is certainly invalid, so that they are parsed and validated
 * but never stored; {@link #sqlLookingTextIsStoredAsTheLiteralItIs()} sends such values alone and checks that they
 * are stored literally.
 *
 * <p>Requests go through {@link HttpClient} rather than RestAssured, which re-encodes paths, bodies and charsets:
 * the barrage needs exact bytes (invalid UTF-8, BOMs, encoded path traversals).
 *
 * <p>The seed is fixed; {@code -Dnexus.hostile.seed=<n>} runs another one. Nothing is tolerated: requests refused
 * by the HTTP layer (sizes) carry the envelope too. The {@code knownBug...} tests pin down bugs the barrage found,
 * now fixed, with their exact inputs.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class HostileInputTest {
    static final long SEED = Long.getLong("nexus.hostile.seed", 20_261_124L);
    static final int MIN_REQUESTS = 1000;
    static final String JSON = "application/json";
    static final String YAML = "application/yaml";
    static final String BEARER_ADMIN = "Bearer " + AdminTestSupport.ADMIN_KEY;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The patterns of Requests and ApplySpec, to tell which generated values a field legitimately accepts. */
    static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}");
    static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/@?#]+(/[^\\s]*)?");
    static final Pattern KIND = Pattern.compile("openai|azure|anthropic|gemini|bedrock");
    static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    static final Pattern STRATEGY = Pattern.compile("weighted|latency");

    static final List<String> SQL = List.of(
            "'; DROP TABLE tenants; --",
            "1 OR 1=1",
            "\" OR \"\"=\"",
            "%27",
            "' OR '1'='1' --",
            "admin'--",
            "1; DROP TABLE api_keys",
            "Robert'); DROP TABLE service_providers;--",
            "' UNION SELECT key_hash, key_hint FROM api_keys --",
            "$$; DROP TABLE audit_log; $$",
            "'||(SELECT string_agg(key_hash, ',') FROM api_keys)||'",
            "\\'; TRUNCATE model_prices CASCADE; --",
            "%27%20OR%201%3D1--",
            "１ ＯＲ １＝１",                          // fullwidth homoglyphs
            "\u02BC OR \u02BC1\u02BC=\u02BC1",        // modifier letter apostrophe
            "\u2019; DROP TABLE tenants; --",         // right single quotation mark
            "1\u037E DROP TABLE tenants",             // Greek question mark, which looks like ';'
            "\u0430dmin' --",                         // Cyrillic a
            "${jndi:ldap://127.0.0.1:1/a}",
            "{{7*7}}${7*7}<%= 7*7 %>",
            "%s%s%s%n%x",
            "<script>alert(1)</script>",
            "\u202Etxt.exe'--");                      // right-to-left override

    static final List<String> TRAVERSAL = List.of(
            "../../etc/passwd", "..\\..\\..\\windows\\win.ini", "....//....//etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "..%252f..%252fetc%252fpasswd", "/etc/passwd", "..;/..;/etc/passwd", "%c0%ae%c0%ae%c0%af", "file:///etc/passwd");

    static final String XXE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
            + "<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
            + "<provider><name>&xxe;</name><endpoint>&lol2;</endpoint></provider>";

    /** Number literals that are not JSON (YAML reads some of them as numbers: JSON bodies only). */
    static final List<String> NOT_JSON_NUMBERS = List.of("NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "1e", "0x10",
            "1_000", "\u22121", "--1", "1e+", "0b1");

    /** Internal names that parsers put into their messages (answers once passed them on: knownBugInternalNamesInMessages). */
    static final Pattern KNOWN_LEAK = Pattern.compile(
            "`(?:JsonReadFeature|StreamReadConstraints|DeserializationFeature|StreamReadFeature)\\.[\\w()]+`"
                    + "|`com\\.fasterxml\\.jackson\\.databind\\.JsonNode`|`java\\.(?:math|lang)\\.\\w+`"
                    + "|<org\\.yaml\\.snakeyaml\\.events\\.\\w+\\([^>]*\\)>");
    /** Stack traces and Java names in an answer (unless the request itself contained them). */
    static final List<Pattern> LEAKS = List.of(
            Pattern.compile("\\bat [\\w$.]+\\([\\w$ ]*(?:\\.java:\\d+)?\\)"),
            Pattern.compile("\\.java:\\d+"),
            Pattern.compile("Caused by"),
            Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.){2,}[A-Z][\\w$]*"),
            Pattern.compile("\\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\\.(?:[A-Z][A-Z0-9_]{2,}|[a-z]\\w*\\(\\))"),
            Pattern.compile("\\b[A-Z]\\w*(?:Exception|Error)\\b"),
            Pattern.compile("\\b(?:org\\.hibernate|io\\.vertx|io\\.quarkus|io\\.nexusai|org\\.jboss|com\\.fasterxml|org\\.postgresql)\\b"));

    @TestHTTPResource("/")
    URI base;

    // ------------------------------------------------------------------------------------------------ the barrage

    @Test
    void hostileRequestsAreRefusedWithTheErrorEnvelopeAndChangeNothing() throws Exception {
        Fixture f = fixture();
        List<Probe> probes = new Generator(new Random(SEED), f).all();
        Collections.shuffle(probes, new Random(SEED));
        assertThat(probes).as("seed %d: generated requests", SEED).hasSizeGreaterThanOrEqualTo(MIN_REQUESTS);

        Map<String, List<String>> before = snapshot();
        assertThat(before).as("the snapshot covers every table the barrage aims at").containsKeys("table tenants", "table api_keys",
                "table service_providers", "table model_routes", "table model_prices", "table model_aliases", "table audit_log");
        assertThat(before.get("table model_aliases")).as("the fixture's alias policy is in the snapshot").anyMatch(r -> r.contains(f.alias));
        Checker checker = new Checker();
        long start = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            String problem = checker.run(probes.get(i));
            if (problem != null) {
                failures.add(describe(i, probes.get(i), problem, checker.last));
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Map<String, List<String>> after = snapshot();

        System.out.printf("HostileInputTest: seed %d, %d requests in %d ms; statuses %s; %d failures%n",
                SEED, probes.size(), millis, checker.statuses, failures.size());
        assertThat(failures).as("seed %d: %d of %d hostile requests were not refused properly (first %d shown):%n%s", SEED,
                failures.size(), probes.size(), Math.min(failures.size(), 25),
                failures.stream().limit(25).collect(Collectors.joining("\n"))).isEmpty();
        assertThat(diff(before, after)).as("seed %d: the database changed during the barrage", SEED).isEmpty();
        admin().get("/admin/v1/tenants/" + f.tenant).then().statusCode(200);
    }

    /**
     * Where SQL-looking text is a legitimate value (names, regions, settings, API keys, filters), it is accepted,
     * stored exactly as sent and matches nothing it should not. Cleans up after itself.
     */
    @Test
    void sqlLookingTextIsStoredAsTheLiteralItIs() throws Exception {
        Set<String> tablesBefore = tables();
        EnvelopeCipher cipher = new EnvelopeCipher("test-only-db-encryption-key-0123456789abcdef", Duration.ofHours(1));
        String tenant = unique("literal");
        admin().body(Map.of("id", tenant, "name", "Literals")).post("/admin/v1/tenants").then().statusCode(201);
        for (String sql : SQL) {
            String what = "literal " + sql;
            long id = admin().body(Map.of("name", sql, "endpoint", "https://literal.test/v1", "api_key", sql, "region", sql.length() > 64
                            ? sql.substring(0, 64) : sql, "settings", Map.of(sql, sql)))
                    .post("/admin/v1/providers").then().statusCode(201).extract().jsonPath().getLong("id");
            try (Connection c = AdminTestSupport.jdbc(); PreparedStatement s = c.prepareStatement(
                    "SELECT name, region, settings ->> ?, api_key FROM service_providers WHERE id = ?")) {
                s.setString(1, sql);
                s.setLong(2, id);
                try (ResultSet r = s.executeQuery()) {
                    assertThat(r.next()).as(what).isTrue();
                    assertThat(r.getString(1)).as("%s: name", what).isEqualTo(sql);
                    assertThat(r.getString(2)).as("%s: region", what).isEqualTo(sql.length() > 64 ? sql.substring(0, 64) : sql);
                    assertThat(r.getString(3)).as("%s: settings", what).isEqualTo(sql);
                    assertThat(cipher.decrypt(r.getString(4))).as("%s: api key", what).isEqualTo(sql);
                }
            }
            admin().body(Map.of("name", sql + " (renamed)")).patch("/admin/v1/providers/" + id).then().statusCode(200);
            assertThat(text("SELECT name FROM service_providers WHERE id = ?", id)).isEqualTo(sql + " (renamed)");
            admin().delete("/admin/v1/providers/" + id).then().statusCode(204);

            admin().body(Map.of("name", sql)).patch("/admin/v1/tenants/" + tenant).then().statusCode(200);
            assertThat(text("SELECT name FROM tenants WHERE id = ?", tenant)).as("%s: tenant name", what).isEqualTo(sql);
            String keyId = admin().body(Map.of("name", sql)).post("/admin/v1/tenants/" + tenant + "/keys").then().statusCode(201)
                    .extract().path("id");
            assertThat(text("SELECT name FROM api_keys WHERE id = ?", keyId)).as("%s: key name", what).isEqualTo(sql);
            String adminKeyId = admin().body(Map.of("name", sql)).post("/admin/v1/admin-keys").then().statusCode(201).extract().path("id");
            assertThat(text("SELECT name FROM api_keys WHERE id = ?", adminKeyId)).as("%s: admin key name", what).isEqualTo(sql);
            admin().post("/admin/v1/keys/" + adminKeyId + "/revoke").then().statusCode(200);

            // free-text filters: literal matches only
            admin().queryParam("alias", sql).get("/admin/v1/routes").then().statusCode(200).body("size()", org.hamcrest.Matchers.equalTo(0));
            for (String filter : List.of("object_type", "object_id", "actor_key_id", "action")) {
                admin().queryParam(filter, sql).get("/admin/v1/audit").then().statusCode(200)
                        .body("data.size()", org.hamcrest.Matchers.equalTo(0));
            }
        }
        admin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);
        assertThat(tables()).as("tables after the literal probes").isEqualTo(tablesBefore)
                .contains("tenants", "api_keys", "service_providers", "model_routes", "model_prices", "model_aliases", "audit_log");
        assertThat(AdminTestSupport.count("SELECT count(*) FROM model_prices")).as("default prices still there").isGreaterThan(10);
    }

    // ------------------------------------------------------------------------------------------------ fixture

    /** Real objects for the barrage to aim at: a request that slipped through would change them, and the snapshot would show it. */
    record Fixture(long provider, long route, String tenant, String appKeyId, String appKey, String revokedAdminKey, String model,
                   String alias) {
    }

    static Fixture fixture() {
        long provider = admin().body(Map.of("name", unique("hostile-target"), "endpoint", "https://api.hostile.test/v1",
                "api_key", "sk-hostile-target-0000000001")).post("/admin/v1/providers").then().statusCode(201).extract().jsonPath().getLong("id");
        long route = admin().body(Map.of("model_alias", unique("hostile-alias"), "provider_id", provider, "real_model_name", "gpt-4o"))
                .post("/admin/v1/routes").then().statusCode(201).extract().jsonPath().getLong("id");
        String tenant = unique("hostile-tenant");
        admin().body(Map.of("id", tenant, "name", "Hostile target")).post("/admin/v1/tenants").then().statusCode(201);
        JsonPath key = admin().body(Map.of("name", "target", "signed", true)).post("/admin/v1/tenants/" + tenant + "/keys").then()
                .statusCode(201).extract().jsonPath();
        JsonPath revoked = admin().body(Map.of("name", "revoked")).post("/admin/v1/admin-keys").then().statusCode(201).extract().jsonPath();
        admin().post("/admin/v1/keys/" + revoked.getString("id") + "/revoke").then().statusCode(200);
        String model = unique("hostile-model");
        admin().body(Map.of("input_per_million", 1, "output_per_million", 2)).put("/admin/v1/prices/" + model).then().statusCode(200);
        String alias = unique("hostile-policy");
        admin().body(Map.of("strategy", "weighted", "max_attempts", 2, "connect_timeout_ms", 1000, "first_byte_timeout_ms", 9000,
                "idle_timeout_ms", 8000, "total_timeout_ms", 60000)).put("/admin/v1/aliases/" + alias).then().statusCode(200);
        return new Fixture(provider, route, tenant, key.getString("id"), key.getString("key"), revoked.getString("key"), model, alias);
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** One request and what must come back. */
    static final class Probe {
        final String what;
        final String method;
        final String path;
        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        byte[] body;
        Set<Integer> expect = Set.of(400);
        boolean chunked;
        /**
         * Refused by the HTTP server before JAX-RS (sizes): sent on a connection of its own, which the server closes after
         * answering (possibly before the whole body was sent).
         */
        boolean transport;

        Probe(String what, String method, String path) {
            this.what = what;
            this.method = method;
            this.path = path;
        }

        Probe header(String name, String value) {
            headers.add(Map.entry(name, value));
            return this;
        }

        Probe body(String text) {
            this.body = text == null ? null : text.getBytes(UTF_8);
            return this;
        }

        Probe body(byte[] bytes) {
            this.body = bytes;
            return this;
        }

        Probe expect(Integer... statuses) {
            this.expect = Set.of(statuses);
            return this;
        }

        /** Everything the request carried, decoded, so that an echo of it in the answer is not taken for a leak. */
        String sent() {
            StringBuilder sb = new StringBuilder(path).append('\n');
            try {
                sb.append(URLDecoder.decode(path.replace("+", "%2B"), UTF_8)).append('\n');
                sb.append(URLDecoder.decode(URLDecoder.decode(path.replace("+", "%2B"), UTF_8).replace("+", "%2B"), UTF_8)).append('\n');
            } catch (IllegalArgumentException e) {
                // not decodable: the raw path is enough
            }
            headers.forEach(h -> sb.append(h.getValue()).append('\n'));
            if (body != null) {
                String text = new String(body, UTF_8);
                sb.append(text).append('\n');
                try {
                    sb.append(MAPPER.readTree(text)).append('\n'); // JSON escapes decoded
                } catch (IOException | RuntimeException e) {
                    // not JSON
                }
            }
            return sb.toString();
        }
    }

    static Probe request(String what, String method, String path, String contentType, String body) {
        Probe p = new Probe(what, method, path).header("Authorization", BEARER_ADMIN);
        if (contentType != null) {
            p.header("Content-Type", contentType);
        }
        return p.body(body);
    }

    /** Sends probes and judges the answers. */
    final class Checker {
        final Map<Integer, Integer> statuses = new TreeMap<>();
        String last;

        /** Sends the probe; the problem with its answer, or null. */
        String run(Probe p) {
            HttpResponse<byte[]> r;
            try {
                r = send(p);
            } catch (IOException e) {
                last = "(no answer)";
                return "no answer: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            String body = new String(r.body(), UTF_8);
            String ct = r.headers().firstValue("content-type").orElse("");
            last = r.statusCode() + " " + (ct.isEmpty() ? "(no content type)" : ct) + " " + preview(r.body(), 600);
            statuses.merge(r.statusCode(), 1, Integer::sum);
            return problem(p, r.statusCode(), ct, body, r.headers().firstValue("x-request-id"));
        }

        String problem(Probe p, int status, String ct, String body, Optional<String> requestId) {
            if (status < 400 || status > 499) {
                return "status " + status + " is not a 4xx";
            }
            if (!p.expect.isEmpty() && !p.expect.contains(status)) {
                return "status " + status + ", expected " + p.expect;
            }
            if (requestId.isPresent() && !requestId.get().matches("[A-Za-z0-9._:-]{1,128}")) {
                return "x-request-id echoed unsanitised: " + requestId.get();
            }
            String leak = leak(p, body);
            if (leak != null) {
                return leak;
            }
            if (!ct.toLowerCase().startsWith(JSON)) {
                return "content type '" + ct + "', expected application/json with the error envelope";
            }
            JsonNode root;
            try {
                root = MAPPER.readTree(body);
            } catch (IOException e) {
                return "the body is not JSON";
            }
            JsonNode error = root == null ? null : root.get("error");
            if (error == null || !error.isObject()) {
                return "no {\"error\": {...}} envelope";
            }
            for (String field : List.of("message", "type")) {
                if (!error.path(field).isTextual() || error.path(field).asText().isBlank()) {
                    return "error." + field + " is not a non-empty string";
                }
            }
            for (String field : List.of("param", "code")) {
                if (!error.has(field) || !(error.get(field).isNull() || error.get(field).isTextual())) {
                    return "error." + field + " is missing or neither a string nor null";
                }
            }
            if (root.size() != 1) {
                return "fields besides \"error\" at the top level";
            }
            return null;
        }

        String leak(Probe p, String body) {
            Matcher known = KNOWN_LEAK.matcher(body);
            if (known.find()) {
                return "internal name in the answer: '" + known.group() + "'";
            }
            String sent = null;
            for (Pattern pattern : LEAKS) {
                Matcher m = pattern.matcher(body);
                while (m.find()) {
                    sent = sent == null ? p.sent() : sent;
                    if (!sent.contains(m.group())) {
                        return "stack trace or internal name in the answer: '" + m.group() + "'";
                    }
                }
            }
            return null;
        }
    }

    HttpResponse<byte[]> send(Probe p) throws IOException, InterruptedException {
        if (p.transport) {
            // the server answers these and closes the connection, possibly while the body is still being sent: a connection of
            // their own each (never a pooled one), and a second try if the answer was lost in the close
            for (int attempt = 1; ; attempt++) {
                try (HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
                    return sendOnce(own, p);
                } catch (IOException e) {
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        }
        try {
            return sendOnce(HTTP, p);
        } catch (IOException e) {
            // a pooled connection the server had just closed; the request did not reach it (a second arrival would show in the snapshot)
            return sendOnce(HTTP, p);
        }
    }

    HttpResponse<byte[]> sendOnce(HttpClient client, Probe p) throws IOException, InterruptedException {
        String root = base.toString().replaceAll("/$", "");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + p.path)).timeout(Duration.ofSeconds(30));
        p.headers.forEach(h -> b.header(h.getKey(), h.getValue()));
        HttpRequest.BodyPublisher publisher = p.body == null ? HttpRequest.BodyPublishers.noBody()
                : p.chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(p.body))
                : HttpRequest.BodyPublishers.ofByteArray(p.body);
        if (p.transport && p.body != null && !p.chunked) {
            b.expectContinue(true); // the size is refused from the headers; the body need not be sent at all
        }
        return client.send(b.method(p.method, publisher).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String describe(int index, Probe p, String problem, String answer) {
        StringBuilder sb = new StringBuilder();
        sb.append("#").append(index).append(" [seed ").append(SEED).append("] ").append(p.what).append('\n');
        sb.append("    ").append(p.method).append(' ').append(p.path.length() > 300 ? p.path.substring(0, 300) + "…" : p.path).append('\n');
        for (Map.Entry<String, String> h : p.headers) {
            String v = h.getKey().equalsIgnoreCase("Authorization") && h.getValue().equals(BEARER_ADMIN) ? "Bearer <admin key>" : h.getValue();
            sb.append("    ").append(h.getKey()).append(": ").append(v.length() > 120 ? v.substring(0, 120) + "…(" + v.length() + ")" : v).append('\n');
        }
        if (p.body != null) {
            sb.append("    body").append(p.chunked ? " (chunked)" : "").append(": ").append(preview(p.body, 400)).append('\n');
        }
        sb.append("    -> ").append(answer).append('\n');
        sb.append("    problem: ").append(problem);
        return sb.toString();
    }

    /** Bytes as readable text: printable UTF-8 as is, the rest escaped. */
    static String preview(byte[] bytes, int max) {
        String s = new String(bytes, 0, Math.min(bytes.length, max * 4), UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || c == 0xFFFD || Character.isSurrogate(c) || (c >= 0x202A && c <= 0x202E)
                    ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        if (bytes.length > max) {
            sb.append("…(").append(bytes.length).append(" bytes)");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ JSON text

    /** A JSON string literal; control characters escaped, everything else as it is. */
    static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static String obj(Map<String, String> raw) {
        return raw.entrySet().stream().map(e -> q(e.getKey()) + ":" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
    }

    static String arr(List<String> raw) {
        return String.join(",", raw).transform(s -> "[" + s + "]");
    }

    static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    static String manyEntries(int n, Function<Integer, String> value) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put("k" + i, value.apply(i));
        }
        return obj(m);
    }

    /** Percent-encodes a path segment or query value: everything but RFC 3986 unreserved characters. */
    static String enc(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(UTF_8)) {
            int c = b & 0xff;
            if (Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------------ fields

    enum Kind { TEXT, KIND, URL, MODEL, TENANT_ID, CURRENCY, STRATEGY, INT, PROVIDER_ID, DECIMAL, BOOL, SETTINGS, REGION_WEIGHTS,
        MODEL_LIST, ORIGIN_LIST, LIMITS, FUTURE_TIME, MODELS }

    /**
     * A field of a request body. TEXT: {@code lo} 0 = any, 1 = not empty, 2 = not blank; {@code hi} = max length.
     * INT: bounds. DECIMAL: {@code hi} = maximum or -1, {@code digits} = max fraction digits or -1.
     */
    record Field(String name, Kind kind, boolean required, long lo, long hi, int digits) {
        static Field text(String name, boolean required, int blank, int max) {
            return new Field(name, Kind.TEXT, required, blank, max, -1);
        }

        static Field of(String name, Kind kind, boolean required) {
            return new Field(name, kind, required, 0, 0, -1);
        }

        static Field integer(String name, long lo, long hi) {
            return new Field(name, Kind.INT, false, lo, hi, -1);
        }

        static Field decimal(String name, boolean required, long max, int fraction) {
            return new Field(name, Kind.DECIMAL, required, 0, max, fraction);
        }

        /** Whether the field's own rule accepts a string value (pattern fields only; the rest: false). */
        boolean accepts(String value) {
            return switch (kind) {
                case KIND -> KIND.matcher(value).matches();
                case URL -> HTTP_URL.matcher(value).matches() && value.length() <= 2048;
                case MODEL -> MODEL_NAME.matcher(value).matches();
                case TENANT_ID -> TENANT_ID.matcher(value).matches();
                case CURRENCY -> CURRENCY.matcher(value).matches();
                case STRATEGY -> STRATEGY.matcher(value).matches();
                default -> false;
            };
        }
    }

    /** The kinds of body the admin API takes, each with its fields, a valid example and two poisons. */
    enum Shape {
        NEW_PROVIDER, PROVIDER_PATCH, NEW_ROUTE, ROUTE_PATCH, NEW_TENANT, TENANT_PATCH, NEW_KEY, NEW_ADMIN_KEY, PRICE, ALIAS, APPLY_PROVIDER,
        APPLY_MODEL;

        boolean apply() {
            return this == APPLY_PROVIDER || this == APPLY_MODEL;
        }
    }

    static List<Field> fields(Shape shape) {
        boolean create = shape == Shape.NEW_PROVIDER || shape == Shape.NEW_ROUTE;
        return switch (shape) {
            case NEW_PROVIDER, PROVIDER_PATCH -> List.of(
                    Field.text("name", create, 2, 100), Field.of("kind", Kind.KIND, false), Field.of("endpoint", Kind.URL, create),
                    Field.text("api_key", create, create ? 2 : 1, 4096), Field.integer("weight", 0, 1_000_000),
                    Field.integer("rate_limit", 0, 100_000_000), Field.text("region", false, 0, 64), Field.of("is_active", Kind.BOOL, false),
                    Field.of("settings", Kind.SETTINGS, false));
            case NEW_ROUTE, ROUTE_PATCH -> List.of(
                    Field.of("model_alias", Kind.MODEL, create), Field.of("provider_id", Kind.PROVIDER_ID, create),
                    Field.of("real_model_name", Kind.MODEL, create), Field.decimal("cost_multiplier", false, 1000, 6),
                    Field.integer("weight", 0, 1_000_000), Field.integer("rate_limit", 0, 100_000_000),
                    Field.of("region_weights", Kind.REGION_WEIGHTS, false), Field.integer("priority", 1, 10), Field.of("is_active", Kind.BOOL, false));
            case NEW_TENANT -> List.of(Field.of("id", Kind.TENANT_ID, true), Field.text("name", true, 2, 200),
                    Field.of("allowed_models", Kind.MODEL_LIST, false), Field.of("cors_origins", Kind.ORIGIN_LIST, false),
                    Field.of("limits", Kind.LIMITS, false));
            case TENANT_PATCH -> List.of(Field.text("name", false, 2, 200), Field.of("allowed_models", Kind.MODEL_LIST, false),
                    Field.of("cors_origins", Kind.ORIGIN_LIST, false),
                    Field.of("is_active", Kind.BOOL, false), Field.of("limits", Kind.LIMITS, false));
            case NEW_KEY -> List.of(Field.text("name", true, 2, 200), Field.of("allowed_models", Kind.MODEL_LIST, false),
                    Field.of("expires_at", Kind.FUTURE_TIME, false), Field.of("limits", Kind.LIMITS, false), Field.of("signed", Kind.BOOL, false));
            case NEW_ADMIN_KEY -> List.of(Field.text("name", true, 2, 200), Field.of("expires_at", Kind.FUTURE_TIME, false));
            case PRICE -> List.of(Field.decimal("input_per_million", true, -1, 10), Field.decimal("output_per_million", true, -1, 10),
                    Field.of("currency", Kind.CURRENCY, false));
            case ALIAS -> List.of(Field.of("strategy", Kind.STRATEGY, false), Field.integer("max_attempts", 1, 10),
                    Field.integer("connect_timeout_ms", 10, 600_000), Field.integer("first_byte_timeout_ms", 10, 3_600_000),
                    Field.integer("idle_timeout_ms", 10, 3_600_000), Field.integer("total_timeout_ms", 10, 7_200_000));
            case APPLY_PROVIDER -> List.of(Field.text("name", true, 2, 100), Field.of("endpoint", Kind.URL, true),
                    Field.text("api_key", false, 0, 4096), Field.of("kind", Kind.KIND, false), Field.integer("weight", 0, 1_000_000),
                    Field.integer("rate_limit", 0, 100_000_000), Field.text("region", false, 0, 64), Field.of("is_active", Kind.BOOL, false),
                    Field.of("settings", Kind.SETTINGS, false), Field.of("models", Kind.MODELS, false));
            case APPLY_MODEL -> List.of(Field.of("alias", Kind.MODEL, true), Field.of("real_name", Kind.MODEL, true),
                    Field.integer("rate_limit", 0, 100_000_000), Field.of("region_weights", Kind.REGION_WEIGHTS, false),
                    Field.integer("weight", 0, 1_000_000), Field.decimal("cost_multiplier", false, 1000, 6), Field.integer("priority", 1, 10),
                    Field.of("is_active", Kind.BOOL, false));
        };
    }

    /** Values of the field that must be refused, as raw JSON. */
    static List<String> invalid(Field f) {
        List<String> v = new ArrayList<>();
        switch (f.kind()) {
            case TEXT -> {
                v.addAll(List.of("[]", "[\"x\"]", "{}", "{\"$ne\":null}", "[[[[[[[[[[\"x\"]]]]]]]]]]", q("x".repeat((int) f.hi() + 1)),
                        q("'; DROP TABLE tenants; --" + "'".repeat((int) f.hi()))));
                if (f.lo() >= 1) {
                    v.add(q(""));
                }
                if (f.lo() == 2) {
                    v.addAll(List.of(q("   "), q("\t\n\r"), q("\u3000")));
                }
                if (f.required()) {
                    v.add("null");
                }
            }
            case KIND, URL, MODEL, TENANT_ID, CURRENCY, STRATEGY -> {
                List<String> strings = new ArrayList<>(SQL);
                strings.addAll(TRAVERSAL);
                strings.addAll(List.of("", " openai", "openai\n", "x".repeat(2100)));
                strings.addAll(switch (f.kind()) {
                    case KIND -> List.of("OpenAI", "vertex", "Bedrock", "openai|azure", "\u043e\u0440\u0435nai");
                    case URL -> List.of("javascript:alert(1)", "http://user:pw@evil.test/", "gopher://127.0.0.1:6379/_FLUSHALL",
                            "http://", "ftp://a.test", "HTTP://A.TEST", "http://a.test/ x", "//evil.test", "http:// a.test");
                    case MODEL -> List.of("bad alias!", "-gpt", "gpt 4", "ｇｐｔ-４ｏ", "gpt-4\u043e", "x".repeat(201), "gpt-4\t");
                    case TENANT_ID -> List.of("ABC", "-abc", "a_b", "a.b", "a".repeat(64), "\u0430cme", "acme\u200b");
                    case STRATEGY -> List.of("Weighted", "LATENCY", "random", "round-robin", "weighted|latency", "weighted,latency",
                            "latency ", "\tweighted", "w\u0435ighted", "lat\u0435ncy", "ｗｅｉｇｈｔｅｄ", "weighted\u200b", "latency\u0000",
                            "weight", "latencies", "weighted.*", "least_latency");
                    default -> List.of("usd", "US", "USDD", "ＵＳＤ", "U\u0405D", "€€€", "US$");
                });
                strings.stream().filter(s -> !f.accepts(s)).map(HostileInputTest::q).forEach(v::add);
                v.addAll(List.of("[]", "[\"openai\"]", "{}", "{\"$regex\":\".*\"}"));
                if (f.kind() == Kind.STRATEGY) {
                    v.addAll(List.of("[\"weighted\"]", "{\"weighted\":true}", "0", "1"));
                }
                if (f.required()) {
                    v.add("null");
                }
            }
            case INT -> {
                v.addAll(List.of("true", "false", "[]", "[1]", "{}", q("abc"), q("1 OR 1=1"), q("'; DROP TABLE tenants; --"),
                        String.valueOf(f.lo() - 1), String.valueOf(f.hi() + 1), "2147483648", "-2147483649", "9999999999999999999999",
                        "1e309", "-1e309", q("0x10"), q("NaN"), "1" + "0".repeat(2000), "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]"));
                v.addAll(NOT_JSON_NUMBERS);
            }
            case PROVIDER_ID -> {
                v.addAll(List.of("true", "[]", "{}", q("abc"), q("1 OR 1=1"), "-1", "0", "9223372036854775807", "-9223372036854775808",
                        "9999999999999999999999", "1e309", "1.5e300", q("NaN")));
                v.addAll(NOT_JSON_NUMBERS);
                if (f.required()) {
                    v.add("null");
                }
            }
            case DECIMAL -> {
                v.addAll(List.of("-1", "-0.000001", "true", "[]", "{}", q("abc"), q("'; DROP TABLE tenants; --"), q("NaN"), "-1e309",
                        "1e309", "1e999999999"));
                v.addAll(NOT_JSON_NUMBERS);
                if (f.digits() >= 0) {
                    v.add("0." + "0".repeat(f.digits()) + "1");
                    v.add("1e-999999999");
                    v.add("-1e-999999999"); // read as a double, it would be -0.0
                }
                v.add("1e2147483648"); // its integer-digit count overflows in @Digits
                if (f.hi() > 0) {
                    v.addAll(List.of(String.valueOf(f.hi() + 1), f.hi() + ".000001"));
                }
                if (f.required()) {
                    v.add("null");
                }
            }
            case BOOL -> v.addAll(List.of(q("yes"), q("maybe"), q("1 OR 1=1"), q("'; DROP TABLE tenants; --"), "[]", "[true]", "{}", "1.5"));
            case SETTINGS -> v.addAll(List.of("[]", q("x"), "1", "true", "{\"a\":null}", "{\"a\":[]}", "{\"a\":{}}", "{\"a\":{\"b\":\"c\"}}",
                    obj(map("k".repeat(65), q("v"))), obj(map("a", q("v".repeat(513)))), manyEntries(51, i -> q("v")),
                    "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
            case REGION_WEIGHTS -> v.addAll(List.of("[]", q("x"), "1", "{\"\":1}", "{\"a\":-1}", "{\"a\":null}", "{\"a\":\"x\"}",
                    "{\"a\":1e309}", "{\"a\":[]}", "{\"a\":1000001}", "{\"a\":true}", obj(map("k".repeat(65), "1")), manyEntries(51, i -> "1")));
            case MODEL_LIST -> v.addAll(List.of(q("gpt-4"), "{}", "1", "true", "[null]", arr(List.of(q("'; DROP TABLE tenants; --"))),
                    "[\"bad alias!\"]", "[[]]", "[{}]", "[\"\"]", "[\"ｇｐｔ\"]", "[\"" + "x".repeat(201) + "\"]",
                    arr(Collections.nCopies(1001, q("m")))));
            case ORIGIN_LIST -> v.addAll(List.of(q("https://app.example"), "{}", "1", "[null]", "[1]", "[[]]", "[\"*\"]", "[\"\"]",
                    "[\"https://app.example/\"]", "[\"https://app.example/path\"]", "[\"https://*.example\"]", "[\"HTTPS://APP.EXAMPLE\"]",
                    "[\"ftp://app.example\"]", "[\"javascript:alert(1)\"]", "[\"null\"]", "[\"https://app.example:99999999\"]",
                    "[\"https://user@app.example\"]", "[\"https://\u0430pp.example\"]", arr(List.of(q("'; DROP TABLE tenants; --"))),
                    arr(Collections.nCopies(101, q("https://app.example")))));
            case LIMITS -> v.addAll(List.of("[]", q("x"), "1", "true", "{\"rpm_limit\":-1}", "{\"rpm_limit\":100000001}",
                    "{\"tpm_limit\":2000000001}", "{\"daily_token_quota\":-1}", "{\"monthly_token_quota\":9999999999999999999999}",
                    "{\"daily_cost_budget\":-0.5}", "{\"monthly_cost_budget\":1e15}", "{\"daily_cost_budget\":1e2147483648}", "{\"daily_cost_budget\":0.0000001}", "{\"unknown\":1}",
                    "{\"rpm_limit\":\"abc\"}", "{\"rpm_limit\":[]}", obj(map("'; DROP TABLE tenants; --", "1")), "{\"RPM_LIMIT\":1}",
                    "{\"rpmLimit\":1}"));
            case FUTURE_TIME -> v.addAll(List.of(q("2001-01-01T00:00:00Z"), q("1970-01-01T00:00:00Z"), q("yesterday"),
                    q("'; DROP TABLE tenants; --"), q("2030-13-45T00:00:00Z"), q("2999-01-01"), q("2999-01-01T00:00:00"),
                    q("0000-00-00T00:00:00Z"), q("2999-01-01T00:00:00+25:00"), q("now"), q("-999999999-01-01T00:00:00Z"), "[]", "{}", "true",
                    "1", "-1", "0", "9223372036854775807", "1e309", "NaN", q("9999-12-31T23:59:59Z"), q("+10000-01-01T00:00:00Z"),
                    q("+300000-01-01T00:00:00Z"), q("+999999999-12-31T23:59:59Z"), "3.25e15"));
            case MODELS -> v.addAll(List.of(q("x"), "1", "{}", "[null]", "[\"x\"]", "[[]]", "[{}]",
                    arr(Collections.nCopies(1001, "{\"alias\":\"a\",\"real_name\":\"b\"}"))));
        }
        return v;
    }

    /** Odd values that the API may accept (coerced, free text, defaults): sent only together with a poison. */
    static List<String> odd(Field f) {
        List<String> v = new ArrayList<>();
        if (!f.required()) {
            v.add("null");
        }
        switch (f.kind()) {
            case TEXT -> {
                SQL.stream().map(HostileInputTest::q).forEach(v::add);
                v.addAll(List.of("123", "true", "-0", "1e309", q("a\u0001b\u001fc"), q("\u0001\u0002"), "\"a\\ud800b\"", "\"\\udfff\"", q("\u202Eevil"),
                        q("\u200b"), q("\uFEFFx"), q("x".repeat((int) f.hi())), q("🦜🦜")));
                if (f.lo() == 0) {
                    v.add(q(""));
                }
                if (f.lo() == 1) {
                    v.add(q("   "));
                }
            }
            case KIND, URL, MODEL, TENANT_ID, CURRENCY, STRATEGY -> {
                v.addAll(List.of("123", "true"));
                List<String> maybe = new ArrayList<>(SQL);
                maybe.addAll(TRAVERSAL);
                maybe.addAll(List.of("https://\u0430pi.openai.com/v1", "http:///etc/passwd", "http://169.254.169.254/latest/meta-data",
                        "file:///etc/passwd", "a/../../etc/passwd"));
                maybe.stream().filter(f::accepts).map(HostileInputTest::q).forEach(v::add);
            }
            case INT -> v.addAll(List.of(q(String.valueOf(f.lo())), "1.9", "-0", "0.0", "1e1", q(""), q(" 5 ")));
            case PROVIDER_ID -> v.addAll(List.of(q("1"), "1.0", "-0"));
            case DECIMAL -> v.addAll(List.of("-0", "0", q("1.5"), "1.50000", "1e-1"));
            case BOOL -> v.addAll(List.of("1", "0", "2", q("true"), q("false"), q(""), q("TRUE")));
            case SETTINGS -> v.addAll(List.of("{}", "{\"a\":1}", "{\"a\":true}", obj(map("'; DROP TABLE tenants; --", q("1 OR 1=1"))),
                    "{\"a\":\"b\",\"a\":\"c\"}"));
            case REGION_WEIGHTS -> v.addAll(List.of("{}", "{\"a\":\"5\"}", "{\"a\":1.5}", obj(map("'; DROP TABLE tenants; --", "1"))));
            case MODEL_LIST -> v.addAll(List.of("[]", "[1]", "[true]", "[\"a\",\"a\"]"));
            case ORIGIN_LIST -> v.addAll(List.of("[]", "[\"https://a.example\",\"https://a.example\"]"));
            case LIMITS -> v.addAll(List.of("{}", "{\"rpm_limit\":\"5\"}"));
            case FUTURE_TIME -> v.addAll(List.of("32503680000", q("2999-01-01T00:00:00Z"), q(""), q("2999-01-01T00:00:00.123456789+14:00")));
            case MODELS -> v.add("[]");
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------ generator

    /** Makes the barrage: systematic coverage of every field and endpoint, then random combinations. */
    final class Generator {
        final Random rnd;
        final Fixture fx;
        final List<Probe> probes = new ArrayList<>();

        Generator(Random rnd, Fixture fx) {
            this.rnd = rnd;
            this.fx = fx;
        }

        <T> T pick(List<T> list) {
            return list.get(rnd.nextInt(list.size()));
        }

        List<Probe> all() {
            for (Shape shape : Shape.values()) {
                for (Field field : fields(shape)) {
                    for (String value : invalid(field)) {
                        add(shape, field, value, false);
                    }
                    for (String value : odd(field)) {
                        add(shape, field, value, true);
                    }
                }
                bodies(shape);
            }
            contentTypes();
            authentication();
            paths();
            queries();
            anomalyQueries();
            methods();
            sizes();
            yaml();
            for (int i = 0; i < 150; i++) {
                randomCombination();
            }
            return probes;
        }

        String where(Shape shape) {
            return switch (shape) {
                case NEW_PROVIDER -> "POST /admin/v1/providers";
                case PROVIDER_PATCH -> "PATCH /admin/v1/providers/" + fx.provider;
                case NEW_ROUTE -> "POST /admin/v1/routes";
                case ROUTE_PATCH -> "PATCH /admin/v1/routes/" + fx.route;
                case NEW_TENANT -> "POST /admin/v1/tenants";
                case TENANT_PATCH -> "PATCH /admin/v1/tenants/" + fx.tenant;
                case NEW_KEY -> "POST /admin/v1/tenants/" + fx.tenant + "/keys";
                case NEW_ADMIN_KEY -> "POST /admin/v1/admin-keys";
                case PRICE -> "PUT /admin/v1/prices/" + fx.model;
                case ALIAS -> "PUT /admin/v1/aliases/" + fx.alias;
                case APPLY_PROVIDER, APPLY_MODEL -> "POST /admin/v1/apply" + applyQuery();
            };
        }

        String applyQuery() {
            // never a pruning real run: were a body wrongly accepted, it would delete the fixture and spoil the rest of the barrage
            return pick(List.of("?dryRun=true", "?dryRun=true&prune=false", "?dry_run=true", "?prune=false", "?dryRun=1%20OR%201%3D1&prune=false",
                    "?dryRun=%27%3B%20DROP%20TABLE%20tenants%3B%20--&prune=%27", "?dryRun=true&dryRun=false", "?prune=%00", "?prune=0"));
        }

        /** A valid body of the shape, field by field (raw JSON values, in order). */
        Map<String, String> valid(Shape shape) {
            return switch (shape) {
                case NEW_PROVIDER, PROVIDER_PATCH -> map("name", q(unique("hostile-new")), "kind", q("azure"),
                        "endpoint", q("https://x.openai.azure.com/openai"), "api_key", q("sk-hostile-new-000000000000"), "weight", "10",
                        "rate_limit", "5", "region", q("eastus"), "is_active", "true", "settings", "{\"api_version\":\"2024-10-21\"}");
                case NEW_ROUTE, ROUTE_PATCH -> map("model_alias", q(unique("hostile-new-alias")), "provider_id", String.valueOf(fx.provider),
                        "real_model_name", q("gpt-4o-mini"), "cost_multiplier", "1.5", "weight", "10", "rate_limit", "5",
                        "region_weights", "{\"eastus\":60,\"westus\":40}", "priority", "2", "is_active", "true");
                case NEW_TENANT -> map("id", q(unique("hostile-new")), "name", q("Hostile new"), "allowed_models", "[\"nexus-a\",\"gpt-4o\"]",
                        "cors_origins", "[\"https://app.example\",\"http://localhost:5173\"]", "limits", "{\"rpm_limit\":10,\"tpm_limit\":1000,\"daily_token_quota\":100000,\"monthly_token_quota\":1000000,"
                                + "\"daily_cost_budget\":1.5,\"monthly_cost_budget\":20}");
                case TENANT_PATCH -> map("name", q("Renamed"), "allowed_models", "[\"nexus-a\"]", "cors_origins", "[\"https://app.example\"]",
                        "is_active", "false",
                        "limits", "{\"rpm_limit\":10}");
                case NEW_KEY -> map("name", q("ci"), "allowed_models", "[\"nexus-a\"]", "expires_at", q("2999-01-01T00:00:00Z"),
                        "limits", "{\"rpm_limit\":5}", "signed", "true");
                case NEW_ADMIN_KEY -> map("name", q("ops"), "expires_at", q("2999-01-01T00:00:00Z"));
                case PRICE -> map("input_per_million", "1.25", "output_per_million", "5", "currency", q("EUR"));
                case ALIAS -> map("strategy", q("latency"), "max_attempts", "4", "connect_timeout_ms", "2500", "first_byte_timeout_ms", "30000",
                        "idle_timeout_ms", "15000", "total_timeout_ms", "120000");
                case APPLY_PROVIDER -> map("name", q(unique("hostile-apply")), "endpoint", q("https://apply.hostile.test/v1"),
                        "api_key", q("sk-hostile-apply-00000000"), "kind", q("openai"), "weight", "10", "rate_limit", "5", "region", q("eu"),
                        "is_active", "true", "settings", "{\"a\":\"b\"}", "models", arr(List.of(obj(valid(Shape.APPLY_MODEL)))));
                case APPLY_MODEL -> map("alias", q(unique("hostile-apply-alias")), "real_name", q("gpt-4o"), "rate_limit", "5",
                        "region_weights", "{\"eastus\":1}", "weight", "1", "cost_multiplier", "1.5", "priority", "1", "is_active", "true");
            };
        }

        /** Sets a field that makes the body certainly invalid (by validation, after every other field was read); returns its name. */
        String poison(Shape shape, Map<String, String> body, String mutated) {
            String[][] options = switch (shape) {
                case NEW_PROVIDER, PROVIDER_PATCH -> new String[][]{{"kind", q("vertex")}, {"weight", "-1"}};
                case NEW_ROUTE, ROUTE_PATCH -> new String[][]{{"priority", "0"}, {"weight", "-1"}};
                case NEW_TENANT, TENANT_PATCH -> new String[][]{{"limits", "{\"rpm_limit\":-1}"}, {"name", q("")}};
                case NEW_KEY, NEW_ADMIN_KEY -> new String[][]{{"expires_at", q("2001-01-01T00:00:00Z")}, {"name", q("")}};
                case PRICE -> new String[][]{{"currency", q("usd")}, {"input_per_million", "-1"}};
                case ALIAS -> new String[][]{{"max_attempts", "0"}, {"strategy", q("random")}};
                case APPLY_PROVIDER -> new String[][]{{"weight", "-1"}, {"kind", q("vertex")}};
                case APPLY_MODEL -> new String[][]{{"priority", "0"}, {"weight", "-1"}};
            };
            String[] p = options[0][0].equals(mutated) ? options[1] : options[0];
            body.put(p[0], p[1]);
            return p[0];
        }

        /** The request body text of a shape: apply shapes become a whole document. */
        String text(Shape shape, Map<String, String> fields) {
            return wrap(shape, obj(fields));
        }

        /** The object of a shape as a request body: apply providers and models go into a whole document. */
        String wrap(Shape shape, String object) {
            if (shape == Shape.APPLY_MODEL) {
                Map<String, String> provider = valid(Shape.APPLY_PROVIDER);
                provider.put("models", arr(List.of(object)));
                return document(obj(provider));
            }
            return shape == Shape.APPLY_PROVIDER ? document(object) : object;
        }

        /** The object of the fields with one more raw {@code "key":value} member, first or last. */
        String withMember(Shape shape, Map<String, String> fields, String member, boolean first) {
            String o = obj(fields);
            return wrap(shape, first ? "{" + member + "," + o.substring(1) : o.substring(0, o.length() - 1) + "," + member + "}");
        }

        String document(String provider) {
            return rnd.nextBoolean() ? arr(List.of(provider)) : obj(map("providers", arr(List.of(provider))));
        }

        Probe probe(Shape shape, String what, String contentType, String body) {
            String[] mp = where(shape).split(" ", 2);
            Probe p = request(shape + " " + what, mp[0], mp[1], contentType, body);
            probes.add(p);
            return p;
        }

        /** One field of a valid body replaced; odd values come with a poison. */
        void add(Shape shape, Field field, String value, boolean withPoison) {
            boolean apply = shape.apply();
            boolean json = !apply || NOT_JSON_NUMBERS.contains(value) || rnd.nextBoolean();
            Map<String, String> body = valid(shape);
            body.put(field.name(), value);
            if (withPoison) {
                poison(shape, body, field.name());
            }
            probe(shape, field.name() + (withPoison ? " odd (+poison): " : " invalid: ") + clip(value),
                    json ? JSON : pick(List.of(YAML, "application/x-yaml", "text/yaml")), text(shape, body));
        }

        /** Broken bodies, whole. */
        void bodies(Shape shape) {
            boolean apply = shape.apply();
            String valid = text(shape, valid(shape));
            Map<String, String> poisonedFields = valid(shape);
            poison(shape, poisonedFields, "");
            String poisoned = text(shape, poisonedFields);
            byte[] validBytes = valid.getBytes(UTF_8);

            for (int i = 0; i < 4; i++) {
                int cut = 1 + rnd.nextInt(valid.length() - 2);
                probe(shape, "truncated at " + cut, JSON, valid.substring(0, cut));
            }
            for (String top : List.of("\"str\"", "123", "true", "null", "", "   ", "\n", "1e309", "-0", "NaN", "9999999999999999999999",
                    "[null]", "[[]]", "[\"x\"]", "\"" + "x".repeat(10_000) + "\"")) {
                probe(shape, "top-level " + clip(top), JSON, top);
            }
            if (!apply) {
                probe(shape, "top-level []", JSON, "[]");
                probe(shape, "body inside an array", JSON, "[" + valid + "]");
                probe(shape, "top-level [{}]", JSON, "[{}]");
            }
            // nesting
            probe(shape, "10k nested arrays", JSON, "[".repeat(10_000) + "]".repeat(10_000));
            probe(shape, "10k unclosed arrays", JSON, "[".repeat(10_000));
            probe(shape, "10k nested objects", JSON, "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
            for (Field field : List.of(pick(fields(shape)), pick(fields(shape)))) {
                Map<String, String> nested = valid(shape);
                nested.put(field.name(), "[".repeat(10_000) + "]".repeat(10_000));
                probe(shape, "10k nested arrays in " + field.name(), JSON, text(shape, nested));
            }
            // not JSON
            for (String junk : List.of("{name: \"x\"}", "{'name':'x'}", "{\"name\":\"x\",}", "/* comment */" + valid, "// comment\n" + valid,
                    valid.replaceFirst(":", "="), valid.replaceFirst("\"", "'"), "{\"name\" \"x\"}", "{\"a\":1}{\"a\":2}x", "\u0000" + valid,
                    valid.replaceFirst(",", ",\u0001"), valid.replaceFirst(",", ",\u001e"), valid.replaceFirst("\"([^\"]*)\":\"", "\"$1\":\"\t\n"),
                    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><x>&xxe;</x>",
                    "---\n- a\n", "key=value&other=1", valid.replaceFirst("\\{", "{\uFEFF"))) {
                probe(shape, "not JSON: " + clip(junk), JSON, junk);
            }
            // trailing content after a valid body: one JSON value per body
            for (String tail : List.of(" garbage", "{}", "}", "]", ",", " {\"weight\":1}", "\u0000", "\n\n--")) {
                probe(shape, "trailing " + clip(tail), JSON, valid + tail);
            }
            // duplicated keys in a complete, otherwise valid body: refused whatever the values (the same valid one twice too)
            Field dup = pick(fields(shape).stream().filter(x -> !invalid(x).isEmpty()).toList());
            String bad = pick(invalid(dup).stream().filter(x -> !NOT_JSON_NUMBERS.contains(x)).toList());
            String member = q(dup.name()) + ":" + bad;
            probe(shape, "duplicated " + dup.name() + ", invalid last: " + clip(bad), JSON, withMember(shape, valid(shape), member, false));
            probe(shape, "duplicated " + dup.name() + ", invalid first: " + clip(bad), JSON, withMember(shape, valid(shape), member, true));
            Map<String, String> twice = valid(shape);
            probe(shape, "duplicated " + dup.name() + ", the same valid value twice", JSON,
                    withMember(shape, twice, q(dup.name()) + ":" + twice.get(dup.name()), rnd.nextBoolean()));
            // unknown and look-alike fields
            List<String> unknowns = new ArrayList<>(List.of("colour", "Name", "NAME", "isActive", "apiKey", "name ", "@class", "__proto__",
                    "$where", "'; DROP TABLE tenants; --", "name\u0000", "ｎａｍｅ"));
            if (shape == Shape.ALIAS) {
                unknowns.addAll(List.of("maxAttempts", "MAX_ATTEMPTS", "max-attempts", "Strategy", "strategy ", "timeout_ms", "totalTimeoutMs",
                        "alias", "configured", "created_at", "max_attempts\u0000", "ｓｔｒａｔｅｇｙ"));
            }
            for (String unknown : unknowns) {
                probe(shape, "unknown field " + clip(unknown), JSON, withMember(shape, valid(shape), q(unknown) + ":"
                        + pick(List.of("1", q("java.lang.Runtime"), "{}", "null")), rnd.nextBoolean()));
            }
            // invalid UTF-8 inside a value the field's rule must refuse anyway
            String target = switch (shape) {
                case NEW_PROVIDER, PROVIDER_PATCH, APPLY_PROVIDER -> "kind";
                case NEW_ROUTE, ROUTE_PATCH -> "model_alias";
                case NEW_TENANT -> "id";
                case TENANT_PATCH, NEW_KEY -> "allowed_models";
                case NEW_ADMIN_KEY -> "expires_at";
                case PRICE -> "currency";
                case ALIAS -> "strategy";
                case APPLY_MODEL -> "alias";
            };
            for (byte[] badBytes : List.of(new byte[]{(byte) 0xff}, new byte[]{(byte) 0xc0, (byte) 0xaf}, new byte[]{(byte) 0xe2, (byte) 0x82},
                    new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[]{(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                    new byte[]{(byte) 0x80}, new byte[]{(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[]{(byte) 0xfe, (byte) 0xff})) {
                String marker = "INVALID_UTF8_HERE";
                Map<String, String> fields = valid(shape);
                fields.put(target, target.equals("allowed_models") ? "[" + q(marker) + "]" : q(marker));
                String[] around = text(shape, fields).split(marker, 2);
                probe(shape, "invalid UTF-8 " + preview(badBytes, 20) + " in " + target, JSON, null).body(concat(around[0].getBytes(UTF_8),
                        badBytes, around[1].getBytes(UTF_8)));
            }
            // byte order marks and other encodings: legitimate ways to write JSON, so only with a poison
            byte[] poisonedBytes = poisoned.getBytes(UTF_8);
            probe(shape, "UTF-8 BOM (+poison)", JSON, null).body(concat(new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, poisonedBytes));
            probe(shape, "UTF-16BE with BOM (+poison)", JSON, null).body(poisoned.getBytes(StandardCharsets.UTF_16));
            probe(shape, "UTF-16LE without BOM (+poison)", JSON, null).body(poisoned.getBytes(StandardCharsets.UTF_16LE));
            probe(shape, "UTF-16 BOM before UTF-8 bytes", JSON, null).body(concat(new byte[]{(byte) 0xfe, (byte) 0xff}, validBytes));
            probe(shape, "two UTF-8 BOMs", JSON, null).body(concat(new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf, (byte) 0xef, (byte) 0xbb,
                    (byte) 0xbf}, validBytes));
            probe(shape, "ISO-8859-1 declared (+poison)", JSON + "; charset=ISO-8859-1", null).body(poisoned.getBytes(StandardCharsets.ISO_8859_1));
            probe(shape, "unknown charset (+poison)", JSON + "; charset=x-no-such-charset", poisoned);
            probe(shape, "UTF-7 declared (+poison)", JSON + "; charset=utf-7", poisoned);
            // random bytes
            for (int i = 0; i < 6; i++) {
                byte[] junk = new byte[1 + rnd.nextInt(300)];
                rnd.nextBytes(junk);
                probe(shape, "random bytes", JSON, null).body(junk);
            }
            probe(shape, "bytes detected as UTF-32 that are not", JSON, null).body(new byte[]{0, 0, 0, '{', (byte) 0xff, (byte) 0xff,
                    (byte) 0xff, (byte) 0xff});
            // a field close to the 1 MB limit: refused by validation, not by size
            Optional<Field> text = fields(shape).stream().filter(x -> x.kind() == Kind.TEXT).findFirst();
            if (text.isPresent()) {
                Map<String, String> big = valid(shape);
                big.put(text.get().name(), q("x".repeat(900_000)));
                probe(shape, text.get().name() + " of 900,000 characters", JSON, text(shape, big));
            }
        }

        void contentTypes() {
            List<String> wrong = List.of("text/plain", "text/html", "application/xml", "text/xml", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/octet-stream", "application/json-patch+json", "application/merge-patch+json",
                    "application/x-java-serialized-object", "application/javascript", "image/png", "application/vnd.api+json", "application/json-seq",
                    "text/json", "garbage", "application/", "/json", "application/soap+xml", "application/xhtml+xml");
            for (Shape shape : Shape.values()) {
                if (shape == Shape.APPLY_MODEL) {
                    continue;
                }
                String valid = text(shape, valid(shape));
                String[] mp = where(shape).split(" ", 2);
                String path = shape.apply() ? "/admin/v1/apply?dryRun=true" : mp[1];
                for (String ct : wrong) {
                    probes.add(request(shape + " valid body as " + ct, mp[0], path, ct, valid).expect(415));
                }
                probes.add(request(shape + " XML external entity as application/xml", mp[0], path, "application/xml", XXE).expect(415));
                probes.add(request(shape + " XML external entity as text/xml", mp[0], path, "text/xml", XXE).expect(415));
                probes.add(request(shape + " XML external entity as JSON", mp[0], path, JSON, XXE));
                if (!shape.apply()) {
                    probes.add(request(shape + " YAML body as application/yaml", mp[0], path, YAML, "name: x\n").expect(415));
                    Map<String, String> poisoned = valid(shape);
                    poison(shape, poisoned, "");
                    probes.add(request(shape + " no content type (+poison)", mp[0], path, null, obj(poisoned)).expect(400, 415));
                }
            }
        }

        /** Valid requests to every endpoint without a (valid) admin key: 401, whatever they ask. */
        void authentication() {
            String wrong = "nx-adm-" + "Wrong".repeat(8);
            List<String[]> auths = List.of(new String[]{"(no Authorization header)", null}, new String[]{"empty", ""},
                    new String[]{"Bearer", "Bearer"}, new String[]{"Bearer + space", "Bearer "}, new String[]{"Bearer + spaces", "Bearer      "},
                    new String[]{"Basic", "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + AdminTestSupport.ADMIN_KEY).getBytes(UTF_8))},
                    new String[]{"Token scheme", "Token " + AdminTestSupport.ADMIN_KEY}, new String[]{"Bearer: scheme", "Bearer:" + AdminTestSupport.ADMIN_KEY},
                    new String[]{"key without scheme", AdminTestSupport.ADMIN_KEY}, new String[]{"wrong key", "Bearer " + wrong},
                    new String[]{"admin key + 1 char", BEARER_ADMIN + "x"},
                    new String[]{"admin key - 1 char", BEARER_ADMIN.substring(0, BEARER_ADMIN.length() - 1)},
                    new String[]{"admin key upper-cased", "Bearer " + AdminTestSupport.ADMIN_KEY.toUpperCase()},
                    new String[]{"app key", "Bearer " + fx.appKey}, new String[]{"revoked admin key", "Bearer " + fx.revokedAdminKey},
                    new String[]{"SQL", "Bearer ' OR '1'='1"}, new String[]{"SQL 2", "Bearer nx-adm-x' OR 1=1 --"},
                    new String[]{"5000-character token", "Bearer " + "a".repeat(5000)}, new String[]{"two keys", "Bearer " + wrong + ", " + BEARER_ADMIN},
                    new String[]{"key in a comment", "Bearer " + wrong + " (" + AdminTestSupport.ADMIN_KEY + ")"});
            List<String[]> endpoints = new ArrayList<>();
            for (Shape shape : Shape.values()) {
                if (shape != Shape.APPLY_MODEL) {
                    String[] mp = where(shape).split(" ", 2);
                    endpoints.add(new String[]{mp[0], shape.apply() ? "/admin/v1/apply?dryRun=true" : mp[1], text(shape, valid(shape))});
                }
            }
            for (String path : List.of("/admin/v1/providers", "/admin/v1/providers/" + fx.provider, "/admin/v1/routes",
                    "/admin/v1/routes?alias=x", "/admin/v1/routes/" + fx.route, "/admin/v1/tenants", "/admin/v1/tenants/" + fx.tenant,
                    "/admin/v1/tenants/" + fx.tenant + "/keys", "/admin/v1/keys/" + fx.appKeyId, "/admin/v1/admin-keys", "/admin/v1/prices",
                    "/admin/v1/prices/" + fx.model, "/admin/v1/aliases", "/admin/v1/aliases/" + fx.alias, "/admin/v1/aliases/no-policy-here",
                    "/admin/v1/audit", "/admin/v1/audit?limit=1", "/admin/v1/anomalies", "/admin/v1/anomalies?type=auth_failure&limit=1",
                    "/admin/v1/nothing-here", "/admin", "/admin/")) {
                endpoints.add(new String[]{"GET", path, null});
            }
            for (String path : List.of("/admin/v1/providers/" + fx.provider, "/admin/v1/routes/" + fx.route, "/admin/v1/tenants/" + fx.tenant,
                    "/admin/v1/prices/" + fx.model, "/admin/v1/aliases/" + fx.alias, "/admin/v1/keys/" + fx.appKeyId + "/signing")) {
                endpoints.add(new String[]{"DELETE", path, null});
            }
            for (String action : List.of("revoke", "rotate", "signing")) {
                endpoints.add(new String[]{"POST", "/admin/v1/keys/" + fx.appKeyId + "/" + action, null});
            }
            for (String[] e : endpoints) {
                for (String[] auth : auths) {
                    if (rnd.nextInt(3) == 0 && !auth[0].startsWith("(no") && !auth[0].startsWith("revoked") && !auth[0].startsWith("app")) {
                        continue; // a random two thirds of the variants per endpoint, all of the essential ones
                    }
                    Probe p = new Probe("auth " + auth[0] + ": " + e[0] + " " + e[1], e[0], e[1]).expect(401);
                    if (auth[1] != null) {
                        p.header("Authorization", auth[1]);
                    }
                    if (e[2] != null) {
                        p.header("Content-Type", e[1].contains("/apply") ? YAML : JSON).body(e[2]);
                    }
                    probes.add(p);
                }
            }
            // a large (but acceptable) header does not change that
            probes.add(new Probe("auth wrong key with a 16 KB header", "GET", "/admin/v1/tenants").header("Authorization", "Bearer " + wrong)
                    .header("X-Padding", "p".repeat(16_000)).expect(401));
        }

        /** Hostile path parameters: SQL, traversal, encodings, homoglyphs; valid bodies where the method takes one. */
        void paths() {
            List<String> values = new ArrayList<>(SQL);
            values.addAll(TRAVERSAL);
            values.addAll(List.of("-1", "0", "9223372036854775808", "9999999999999999999999", "1e3", "0x1", "1.0", " 1", "1 ", "１２３４５６７",
                    "٩٩٩٩٩٩", "true", "null", "undefined", "NaN", "\r\nSet-Cookie: x=y", "%0d%0aSet-Cookie:%20x=y", "*", "~", "...", ".%2e",
                    "x".repeat(3000), "\u202Etenant", "ｔｅｎａｎｔ", "%00", "%", "\\", "?x=1", "#x", ";x=1", "a/b/c",
                    fx.tenant.toUpperCase(), fx.tenant + " ", "\u0430" + fx.tenant.substring(1), fx.appKeyId.toLowerCase(),
                    fx.appKeyId + "\u200b", fx.model.toUpperCase().replace("-", "_"), "ｇｐｔ-４ｏ",
                    fx.alias.toUpperCase(), fx.alias + "\u200b", fx.alias + " ", "\u0430" + fx.alias.substring(1), fx.alias + "/", "/" + fx.alias,
                    fx.alias + "\u0000", fx.alias.replace("-", "\u2010"), "x".repeat(201)));
            String keyBody = obj(valid(Shape.NEW_KEY));
            String priceBody = obj(valid(Shape.PRICE));
            String aliasBody = obj(valid(Shape.ALIAS));
            for (String value : values) {
                String e = enc(value);
                List<String[]> targets = new ArrayList<>(List.of(
                        new String[]{"GET", "/admin/v1/providers/" + e, null}, new String[]{"DELETE", "/admin/v1/providers/" + e, null},
                        new String[]{"PATCH", "/admin/v1/providers/" + e, obj(map("weight", "1"))},
                        new String[]{"GET", "/admin/v1/routes/" + e, null}, new String[]{"DELETE", "/admin/v1/routes/" + e, null},
                        new String[]{"PATCH", "/admin/v1/routes/" + e, obj(map("weight", "1"))},
                        new String[]{"GET", "/admin/v1/tenants/" + e, null}, new String[]{"DELETE", "/admin/v1/tenants/" + e, null},
                        new String[]{"PATCH", "/admin/v1/tenants/" + e, obj(map("name", q("x")))},
                        new String[]{"GET", "/admin/v1/tenants/" + e + "/keys", null},
                        new String[]{"POST", "/admin/v1/tenants/" + e + "/keys", keyBody},
                        new String[]{"GET", "/admin/v1/keys/" + e, null}, new String[]{"POST", "/admin/v1/keys/" + e + "/revoke", null},
                        new String[]{"POST", "/admin/v1/keys/" + e + "/rotate", null}, new String[]{"POST", "/admin/v1/keys/" + e + "/signing", null},
                        new String[]{"DELETE", "/admin/v1/keys/" + e + "/signing", null},
                        new String[]{"GET", "/admin/v1/prices/" + e, null}, new String[]{"DELETE", "/admin/v1/prices/" + e, null}));
                // an alias without a stored policy is a 200 (its defaults) and 404 only on DELETE: GET and PUT only for names the rule refuses
                targets.add(new String[]{"DELETE", "/admin/v1/aliases/" + e, null});
                if (!MODEL_NAME.matcher(value).matches()) {
                    targets.add(new String[]{"PUT", "/admin/v1/prices/" + e, priceBody});
                    targets.add(new String[]{"GET", "/admin/v1/aliases/" + e, null});
                    targets.add(new String[]{"PUT", "/admin/v1/aliases/" + e, aliasBody});
                    targets.add(new String[]{"PUT", "/admin/v1/aliases/" + e, "{}"});
                }
                for (String[] t : targets) {
                    if (rnd.nextInt(4) != 0) {
                        continue; // a random quarter of the (value, endpoint) pairs
                    }
                    String body = t[2];
                    String type = body == null ? null : JSON;
                    if (body == null && rnd.nextInt(3) == 0) { // GET, DELETE and actions with a body they do not take
                        body = pick(List.of(XXE, "[".repeat(10_000), obj(valid(Shape.NEW_PROVIDER)), "'; DROP TABLE tenants; --"));
                        type = pick(List.of(JSON, "application/xml", "text/plain"));
                    }
                    probes.add(request("path " + clip(value) + ": " + t[0] + " " + t[1].replace(e, "{x}") + (body != null && t[2] == null
                            ? " with a body" : ""), t[0], t[1], type, body).expect(400, 404));
                }
            }
            // traversal as the server sees it: dot segments, encoded dots and slashes
            for (String raw : List.of("/admin/v1/tenants/../../../etc/passwd", "/admin/v1/prices/../../../../etc/passwd",
                    "/admin/v1/providers/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/admin/v1/keys/..%2f..%2f..%2fetc%2fpasswd",
                    "/admin/v1/keys/%252e%252e%252fetc%252fpasswd", "/admin/v1/tenants/%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
                    "/admin/v1/prices/..%5c..%5c..%5cwindows%5cwin.ini", "/admin/v1/tenants/%ff%fe", "/admin/v1/providers/1/../../../../etc/passwd",
                    "/admin/v1/tenants/" + fx.tenant + "/keys/../../../../../etc/passwd", "/admin/v1/prices/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                    "/admin/v1/audit/../../../etc/shadow", "/admin/v1/apply/..%2f..%2f..%2fetc%2fpasswd", "/admin/v1/%2e%2e/%2e%2e/etc/passwd",
                    "/admin/v1/tenants/..;/..;/..;/etc/passwd", "/admin/v1/tenants/.%00./.%00./etc/passwd",
                    "/admin/v1/aliases/../../../../etc/passwd", "/admin/v1/aliases/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                    "/admin/v1/aliases/..%2f..%2f..%2fetc%2fpasswd", "/admin/v1/aliases/%252e%252e%252fetc%252fpasswd",
                    "/admin/v1/aliases/%c0%ae%c0%ae%c0%afetc%c0%afpasswd", "/admin/v1/aliases/..%5c..%5cwindows%5cwin.ini",
                    "/admin/v1/aliases/%ff%fe", "/admin/v1/aliases/a%00b", "/admin/v1/aliases/%00", "/admin/v1/aliases/" + fx.alias + "%00",
                    "/admin/v1/aliases/" + fx.alias + "/../../../../etc/passwd", "/admin/v1/aliases/..;/..;/etc/passwd",
                    "/admin/v1/aliases/.%00./.%00./etc/passwd", "/admin/v1/aliases/%20", "/admin/v1/aliases/%2F",
                    "/admin/v1/aliases/%0d%0aSet-Cookie:%20x=y", "/admin/v1/aliases/" + fx.alias + "%0a")) {
                String body = raw.startsWith("/admin/v1/aliases/") ? aliasBody : priceBody;
                for (String method : List.of("GET", "DELETE", "PUT")) {
                    probes.add(request("raw path " + raw, method, raw, method.equals("PUT") ? JSON : null, method.equals("PUT") ? body : null)
                            .expect(400, 404, 405));
                }
            }
        }

        /** Audit filters that must be refused (free-text filters accept anything: see the literal test). */
        void queries() {
            List<String> notInt = new ArrayList<>(List.of("0", "-1", "501", "99999999999", "1e3", "abc", "1.5", "0x10", "NaN", "-0", "2147483648",
                    "%00", "５０１", "1 OR 1=1", "' OR '1'='1"));
            List<String> notLong = List.of("abc", "1e3", "9999999999999999999999", "1.5", "NaN", "0x1", "1 OR 1=1", "'; DROP TABLE audit_log; --");
            List<String> notTime = List.of("yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "0", "now", "-1",
                    "2026-01-01T00:00:00+25:00", "'; DROP TABLE audit_log; --", "1 OR 1=1", "2026-01-01T00:00:00Z' OR '1'='1", "../../etc/passwd");
            List<String> filters = List.of("object_type", "object_id", "actor_key_id", "action");
            for (String v : notInt) {
                probes.add(audit("limit", v, "").expect(400, 404));
            }
            for (String v : notLong) {
                probes.add(audit("before_id", v, "").expect(400, 404));
            }
            for (String v : notTime) {
                probes.add(audit(pick(List.of("from", "to")), v, "").expect(400));
            }
            for (int i = 0; i < 20; i++) {
                StringBuilder extra = new StringBuilder();
                for (String f : filters) {
                    if (rnd.nextBoolean()) {
                        extra.append('&').append(f).append('=').append(enc(pick(SQL)));
                    }
                }
                String param = pick(List.of("limit", "before_id", "from", "to"));
                String bad = switch (param) {
                    case "limit" -> pick(notInt);
                    case "before_id" -> pick(notLong);
                    default -> pick(notTime);
                };
                probes.add(audit(param, bad, extra.toString())
                        .expect(param.equals("from") || param.equals("to") ? new Integer[]{400} : new Integer[]{400, 404}));
            }
        }

        /** Anomaly filters that must be refused: each names its param. */
        void anomalyQueries() {
            Map<String, List<String>> bad = new LinkedHashMap<>();
            bad.put("type", List.of("AUTH_FAILURE", "auth-failure", "rate_spike ", "' OR '1'='1", "*", "%00", "auth_failure\u0000", "ｒａｔｅ_ｓｐｉｋｅ"));
            List<String> tenants = new ArrayList<>(SQL);
            tenants.addAll(TRAVERSAL);
            tenants.addAll(List.of("ACME", "-acme", "a".repeat(64), "\u0430cme", "acme ", "%00"));
            bad.put("tenant", tenants);
            List<String> times = List.of("yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "now", "-1", "1e9", "1.5",
                    "9999999999999", "2026-01-01T00:00:00+25:00", "+999999999-12-31T23:59:59Z", "'; DROP TABLE audit_log; --", "１７００００００００",
                    "../../etc/passwd");
            bad.put("since", times);
            bad.put("until", times);
            bad.put("limit", List.of("0", "-1", "1001", "99999999999", "1e3", "abc", "1.5", "0x10", "NaN", "５０", "1 OR 1=1"));
            bad.forEach((param, values) -> {
                for (String v : values) {
                    String e = v.matches("%[0-9a-fA-F]{2}.*") ? v : enc(v); // already encoded: sent as it is
                    probes.add(request("anomalies " + param + "=" + clip(v), "GET", "/admin/v1/anomalies?" + param + "=" + e, null, null)
                            .expect(400));
                }
            });
            probes.add(request("anomalies since after until", "GET", "/admin/v1/anomalies?since=2026-01-02T00:00:00Z&until=1767225600", null,
                    null).expect(400));
        }

        Probe audit(String param, String value, String moreFilters) {
            String v = value.startsWith("%") ? value : enc(value);
            return request("audit " + param + "=" + value + (moreFilters.isEmpty() ? "" : " with SQL-looking filters"), "GET",
                    "/admin/v1/audit?" + param + "=" + v + moreFilters, null, null);
        }

        void methods() {
            String provider = obj(valid(Shape.NEW_PROVIDER));
            for (String[] m : List.of(new String[]{"PUT", "/admin/v1/providers"}, new String[]{"DELETE", "/admin/v1/providers"},
                    new String[]{"PATCH", "/admin/v1/providers"}, new String[]{"POST", "/admin/v1/providers/" + fx.provider},
                    new String[]{"PUT", "/admin/v1/tenants/" + fx.tenant}, new String[]{"DELETE", "/admin/v1/tenants"},
                    new String[]{"PATCH", "/admin/v1/audit"}, new String[]{"POST", "/admin/v1/audit"}, new String[]{"DELETE", "/admin/v1/audit"},
                    new String[]{"POST", "/admin/v1/anomalies"}, new String[]{"PUT", "/admin/v1/anomalies"},
                    new String[]{"DELETE", "/admin/v1/anomalies"}, new String[]{"PATCH", "/admin/v1/anomalies"},
                    new String[]{"POST", "/admin/v1/prices"}, new String[]{"GET", "/admin/v1/apply"}, new String[]{"PUT", "/admin/v1/apply"},
                    new String[]{"PATCH", "/admin/v1/admin-keys"}, new String[]{"DELETE", "/admin/v1/admin-keys"},
                    new String[]{"PUT", "/admin/v1/keys/" + fx.appKeyId}, new String[]{"GET", "/admin/v1/keys/" + fx.appKeyId + "/revoke"},
                    new String[]{"TRACE", "/admin/v1/providers"}, new String[]{"PROPFIND", "/admin/v1/providers"},
                    new String[]{"CONNECT-X", "/admin/v1/tenants"}, new String[]{"DELETE", "/admin/v1/routes"},
                    new String[]{"POST", "/admin/v1/aliases"}, new String[]{"PUT", "/admin/v1/aliases"}, new String[]{"PATCH", "/admin/v1/aliases"},
                    new String[]{"DELETE", "/admin/v1/aliases"}, new String[]{"POST", "/admin/v1/aliases/" + fx.alias},
                    new String[]{"PATCH", "/admin/v1/aliases/" + fx.alias}, new String[]{"TRACE", "/admin/v1/aliases/" + fx.alias})) {
                probes.add(request("method " + m[0] + " " + m[1], m[0], m[1], JSON, provider).expect(405, 404));
            }
        }

        /** Sizes: the 1 MB body limit, headers and URLs beyond what the server reads, the apply document limit. */
        void sizes() {
            String huge = "x".repeat(2 * 1024 * 1024);
            for (Shape shape : Shape.values()) {
                if (shape == Shape.APPLY_MODEL) {
                    continue;
                }
                String[] mp = where(shape).split(" ", 2);
                Map<String, String> body = valid(shape);
                body.put(fields(shape).get(0).name(), q(huge));
                String text = text(shape, body);
                Probe p = request(shape + " 2 MB body (Content-Length)", mp[0], mp[1], shape.apply() ? YAML : JSON, text).expect(413);
                p.transport = true;
                probes.add(p);
                Probe c = request(shape + " 2 MB body (chunked)", mp[0], mp[1], JSON, text).expect(413);
                c.chunked = true;
                c.transport = true;
                probes.add(c);
            }
            Probe noAuth = new Probe("2 MB body without a key", "POST", "/admin/v1/providers").header("Content-Type", JSON).body(huge).expect(413, 401);
            noAuth.transport = true;
            probes.add(noAuth);
            probes.add(request("apply document of 1,020,000 characters (under the HTTP limit, over the document limit)", "POST",
                    "/admin/v1/apply?dryRun=true", YAML, "#" + "x".repeat(1_020_000)).expect(413));
            Probe header = request("30 KB header", "GET", "/admin/v1/tenants", null, null).header("X-Padding", "p".repeat(30_000)).expect(431);
            header.transport = true;
            probes.add(header);
            Probe many = request("300 headers of 100 bytes", "GET", "/admin/v1/tenants", null, null).expect(431);
            for (int i = 0; i < 300; i++) {
                many.header("X-Padding-" + i, "p".repeat(100));
            }
            many.transport = true;
            probes.add(many);
            Probe url = request("10 KB URL", "GET", "/admin/v1/tenants/" + "t".repeat(10_000), null, null).expect(414);
            url.transport = true;
            probes.add(url);
            Probe query = request("10 KB query", "GET", "/admin/v1/audit?object_id=" + "o".repeat(10_000) + "&limit=0", null, null).expect(414);
            query.transport = true;
            probes.add(query);
            for (String id : List.of("'; DROP TABLE tenants; --", "x".repeat(200), "req Set-Cookie: x=y", "../../etc/passwd", "a b", "%0d%0aX-Injected: 1")) {
                probes.add(request("hostile x-request-id " + clip(id), "POST", "/admin/v1/tenants", JSON, "{\"id\":\"Bad Tenant\",\"name\":\"x\"}")
                        .header("X-Request-Id", id));
            }
        }

        /** YAML that must be refused: bombs, tags (on otherwise invalid documents), anchors, directives, duplicate keys. */
        void yaml() {
            StringBuilder bomb = new StringBuilder("- name: x\n  endpoint: http://a.test\n  api_key: k\n  settings:\n    l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            for (int i = 1; i < 10; i++) {
                bomb.append("    l").append(i).append(": &l").append(i).append(" [")
                        .append(String.join(",", Collections.nCopies(9, "*l" + (i - 1)))).append("]\n");
            }
            String laughs = """
                    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                    providers: *g
                    """;
            List<String> docs = new ArrayList<>(List.of(bomb.toString(), laughs, "a: &a [*a, *a]", "- &a [*a]", "providers: &p [*p]",
                    "!!java.lang.Runtime {}",
                    "- !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]",
                    "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]",
                    "- !!python/object/apply:os.system ['id']", "providers: !!java.util.ArrayList [!!java.lang.ProcessBuilder [[\"id\"]]]",
                    "- name: !!java.lang.Runtime x\n  endpoint: ftp://x\n", "- !<tag:yaml.org,2002:java.lang.Runtime> {}\n",
                    "- name: !!binary aGVsbG8=\n  endpoint: javascript:alert(1)\n", "providers: !!set {a, b}",
                    "- !!com.sun.rowset.JdbcRowSetImpl {dataSourceName: \"ldap://127.0.0.1:1/a\", autoCommit: true}",
                    "%TAG !j! tag:java.lang,2000:\n---\n- !j!Runtime {}\n", "%YAML 2.0\n---\n- name: x\n", "- name: x\n---\n- name: y\n",
                    "- ? [a, b]\n  : c\n", "- <<: {name: x, endpoint: 'http://a.test', api_key: k}\n  weight: -5\n",
                    "- name: x\n  name: y\n  endpoint: http://a.test\n  api_key: k\n",
                    "- name: x\n  endpoint: http://a.test\n  api_key: k\n  settings: {a: b, a: c}\n",
                    "-\tname: x\n", "- name: a\u0001b\n  endpoint: http://a.test\n", "- name: x\n  endpoint: http://a.test\n  weight: .nan\n",
                    "- name: x\n  endpoint: http://a.test\n  models:\n    - alias: a\n      real_name: b\n      cost_multiplier: .inf\n",
                    "- name: x\n  endpoint: http://a.test\n  weight: 0x7fffffffffff\n", "- name: [unclosed\n", "{providers: [{name: x}",
                    "[".repeat(30) + "]".repeat(30), "- " + "- ".repeat(50) + "x", "providers: ~", "providers: 5", "providers: 'x'", "''", "~", "---",
                    "providers:\n  - ~\n", "- name: x\n  endpoint: http://a.test\n  models: [~]\n",
                    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><x>&xxe;</x>",
                    "- name: \"\\ud800\"\n  endpoint: ftp://x\n", "- name: x\n  endpoint: http://a.test\n  api_key: k\n  weight: 1e309\n  kind: bedrock\n",
                    "- {name: x, endpoint: \"http://a.test\", api_key: k, kind: !!java.lang.Runtime bedrock}\n"));
            for (String doc : docs) {
                probes.add(request("YAML " + clip(doc), "POST", "/admin/v1/apply" + applyQuery(), pick(List.of(YAML, "text/yaml", "application/x-yaml",
                        "text/x-yaml")), doc));
            }
            probes.add(request("YAML 10k nested sequences", "POST", "/admin/v1/apply?dryRun=true", YAML, "[".repeat(10_000) + "]".repeat(10_000)));
            probes.add(request("YAML 10k nested mappings", "POST", "/admin/v1/apply?dryRun=true", YAML, "{a: ".repeat(10_000) + "b" + "}".repeat(10_000)));
            probes.add(request("YAML 1,200 levels of block nesting", "POST", "/admin/v1/apply?dryRun=true", YAML,
                    String.join("", java.util.stream.IntStream.range(0, 1_200).mapToObj(i -> " ".repeat(i) + "a:\n").toList())));
            probes.add(request("YAML 100k aliases of one scalar", "POST", "/admin/v1/apply?dryRun=true", YAML,
                    "- name: &n x\n  endpoint: ftp://x\n  settings:\n" + String.join("", java.util.stream.IntStream.range(0, 20_000)
                            .mapToObj(i -> "    k" + i + ": *n\n").toList())));
            probes.add(request("YAML as JSON", "POST", "/admin/v1/apply?dryRun=true", JSON, "- name: x\n  endpoint: http://a.test\n  api_key: k\n"));
            probes.add(request("JSON empty providers with trailing garbage", "POST", "/admin/v1/apply?dryRun=true", JSON, "{\"providers\":[]} x"));
            probes.add(request("JSON two documents", "POST", "/admin/v1/apply?dryRun=true", JSON, "[] []"));
        }

        /** Several fields broken at once, random values, random endpoint. */
        void randomCombination() {
            Shape shape = pick(Arrays.asList(Shape.values()));
            Map<String, String> body = valid(shape);
            List<Field> fs = new ArrayList<>(fields(shape));
            Collections.shuffle(fs, rnd);
            int n = 1 + rnd.nextInt(Math.min(3, fs.size()));
            StringBuilder what = new StringBuilder("random:");
            boolean invalidOne = false;
            boolean notJson = false;
            for (int i = 0; i < n; i++) {
                Field f = fs.get(i);
                boolean useInvalid = rnd.nextInt(3) > 0 && !invalid(f).isEmpty();
                String v = pick(useInvalid ? invalid(f) : odd(f).isEmpty() ? invalid(f) : odd(f));
                invalidOne |= useInvalid || invalid(f).contains(v);
                notJson |= NOT_JSON_NUMBERS.contains(v);
                body.put(f.name(), v);
                what.append(' ').append(f.name()).append('=').append(clip(v));
            }
            if (!invalidOne) {
                poison(shape, body, fs.get(0).name());
                what.append(" (+poison)");
            }
            List<String> order = new ArrayList<>(body.keySet());
            Collections.shuffle(order, rnd);
            Map<String, String> shuffled = new LinkedHashMap<>();
            order.forEach(k -> shuffled.put(k, body.get(k)));
            probe(shape, what.toString(), shape.apply() && !notJson && rnd.nextBoolean() ? YAML : JSON, text(shape, shuffled));
        }
    }

    static String clip(String s) {
        String t = preview(s.getBytes(UTF_8), 60);
        return t.length() > 70 ? t.substring(0, 70) + "…" : t;
    }

    // ------------------------------------------------------------------------------------------------ database

    /** Every row of every table of schema public (as text, sorted), and the schema itself. */
    static Map<String, List<String>> snapshot() throws Exception {
        Map<String, List<String>> all = new TreeMap<>();
        try (Connection c = AdminTestSupport.jdbc(); Statement s = c.createStatement()) {
            for (String t : tables()) {
                List<String> rows = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT t::text FROM public.\"" + t + "\" t")) {
                    while (r.next()) {
                        rows.add(r.getString(1));
                    }
                }
                Collections.sort(rows);
                all.put("table " + t, rows);
            }
            List<String> schema = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '"
                    + " || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public'"
                    + " UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                    + " UNION ALL SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint"
                    + " WHERE connamespace = 'public'::regnamespace")) {
                while (r.next()) {
                    schema.add(r.getString(1));
                }
            }
            Collections.sort(schema);
            all.put("schema", schema);
        }
        return all;
    }

    static Set<String> tables() throws Exception {
        Set<String> tables = new TreeSet<>();
        try (Connection c = AdminTestSupport.jdbc(); ResultSet r = c.createStatement()
                .executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        return tables;
    }

    static List<String> diff(Map<String, List<String>> before, Map<String, List<String>> after) {
        List<String> d = new ArrayList<>();
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            List<String> b = before.getOrDefault(k, List.of());
            List<String> a = after.getOrDefault(k, List.of());
            a.stream().filter(x -> !b.contains(x)).forEach(x -> d.add(k + ": added   " + x));
            b.stream().filter(x -> !a.contains(x)).forEach(x -> d.add(k + ": removed " + x));
            if (!before.containsKey(k) || !after.containsKey(k)) {
                d.add(k + (before.containsKey(k) ? " disappeared" : " appeared"));
            }
        }
        return d;
    }

    static String text(String sql, Object param) throws Exception {
        try (Connection c = AdminTestSupport.jdbc(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, param);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ known bugs (fixed)

    /*
     * Bugs the barrage found, each with its exact inputs; the names say what the bug was. Each is fixed in the mechanism
     * named in its comment, so the barrage covers them too.
     */

    /** Runs probes and checks every answer as the barrage does. */
    void assertRefused(List<Probe> probes) {
        Checker checker = new Checker();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            String problem = checker.run(probes.get(i));
            if (problem != null) {
                failures.add(describe(i, probes.get(i), problem, checker.last));
            }
        }
        assertThat(failures).as("%d of %d requests not refused properly:%n%s", failures.size(), probes.size(),
                String.join("\n", failures)).isEmpty();
    }

    /**
     * NUL reached PostgreSQL (22021/22P05) and Hibernate's wrapping made it a 500; a dry run accepted it. Now the URL is
     * checked before matching (NulCharacterFilter), JSON strings and keys by the mappers (StrictJson, also /apply's), and any
     * database error is mapped by its SQL state however it is wrapped (DatabaseErrorMappers).
     */
    @Test
    void knownBugNulCharactersAreA500() {
        Fixture f = fixture();
        assertRefused(List.of(
                request("NUL in tenant id", "GET", "/admin/v1/tenants/abc%00def", null, null).expect(400, 404),
                request("NUL in key id", "GET", "/admin/v1/keys/key_%00", null, null).expect(400, 404),
                request("NUL in price model", "GET", "/admin/v1/prices/m%00", null, null).expect(400, 404),
                request("NUL in price model", "DELETE", "/admin/v1/prices/m%00", null, null).expect(400, 404),
                request("NUL in alias filter", "GET", "/admin/v1/routes?alias=a%00b", null, null),
                request("NUL in audit filter", "GET", "/admin/v1/audit?object_type=a%00b", null, null),
                request("NUL in provider name", "POST", "/admin/v1/providers", JSON,
                        "{\"name\":\"p\\u0000x\",\"endpoint\":\"http://a.test\",\"api_key\":\"sk-aaaaaaaaaaaaaaaa\"}"),
                request("NUL in settings key", "PATCH", "/admin/v1/providers/" + f.provider, JSON, "{\"settings\":{\"a\\u0000\":\"b\"}}"),
                request("NUL in region", "PATCH", "/admin/v1/providers/" + f.provider, JSON, "{\"region\":\"a\\u0000b\"}"),
                request("NUL in tenant name", "PATCH", "/admin/v1/tenants/" + f.tenant, JSON, "{\"name\":\"a\\u0000b\"}"),
                request("NUL in admin key name", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\\u0000b\"}"),
                request("NUL in apply, real run", "POST", "/admin/v1/apply?prune=false", JSON,
                        "[{\"name\":\"x\\u0000\",\"endpoint\":\"http://a.test\",\"api_key\":\"k\"}]"),
                request("NUL in apply, dry run", "POST", "/admin/v1/apply?dryRun=true&prune=false", JSON,
                        "[{\"name\":\"x\\u0000\",\"endpoint\":\"http://a.test\",\"api_key\":\"k\"}]")));
    }

    /**
     * Timestamps beyond what java.sql.Timestamp and PostgreSQL take were a 500: expires_at is bounded by
     * {@code @EarlierThan(9999-12-31T23:59:59Z)}, audit from/to by years 1970 to 9999.
     */
    @Test
    void knownBugTimestampsBeyondPostgresRangeAreA500() {
        Fixture f = fixture();
        assertRefused(List.of(
                request("expires_at year 999999999", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\",\"expires_at\":\"+999999999-12-31T23:59:59Z\"}"),
                request("expires_at year 999999999", "POST", "/admin/v1/tenants/" + f.tenant + "/keys", JSON,
                        "{\"name\":\"a\",\"expires_at\":\"+999999999-12-31T23:59:59Z\"}"),
                request("expires_at year 294277", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\",\"expires_at\":\"+294277-01-01T00:00:00Z\"}"),
                request("audit from year 999999999", "GET", "/admin/v1/audit?from=%2B999999999-12-31T23:59:59Z", null, null),
                request("audit to year 999999999", "GET", "/admin/v1/audit?to=%2B999999999-12-31T23:59:59Z", null, null)));
    }

    /**
     * An expires_at beyond ~year 294000 was stored corrupted (201), and every later read of the key failed. Now 400
     * (the same bound).
     */
    @Test
    void knownBugFarFutureExpiryCorruptsTheKey() {
        assertRefused(List.of(
                request("expires_at year 300000", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\",\"expires_at\":\"+300000-01-01T00:00:00Z\"}"),
                request("expires_at 3.25e15 seconds", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\",\"expires_at\":3.25e15}")));
    }

    /**
     * {@code 1e2147483648} passed {@code @Digits} (its integer-digit count overflows int): every decimal has a
     * {@code @DecimalMax} too.
     */
    @Test
    void knownBugExponentOverflowPassesValidation() {
        Fixture f = fixture();
        assertRefused(List.of(
                request("price 1e2147483648", "PUT", "/admin/v1/prices/" + f.model, JSON, "{\"input_per_million\":1e2147483648,\"output_per_million\":1}"),
                request("budget 1e2147483648", "PATCH", "/admin/v1/tenants/" + f.tenant, JSON, "{\"limits\":{\"daily_cost_budget\":1e2147483648}}"),
                request("key budget 1e2147483648", "POST", "/admin/v1/tenants/" + f.tenant + "/keys", JSON,
                        "{\"name\":\"k\",\"limits\":{\"monthly_cost_budget\":1e2147483648}}")));
    }

    /**
     * A key repeated after a complete body was a 500 (InvalidDefinitionException): repeated keys are refused by the
     * parser (STRICT_DUPLICATE_DETECTION), and InvalidDefinitionException while reading is a 400.
     */
    @Test
    void knownBugDuplicatedKeyAfterACompleteBodyIsA500() {
        Fixture f = fixture();
        assertRefused(List.of(
                request("price", "PUT", "/admin/v1/prices/" + f.model, JSON,
                        "{\"input_per_million\":1,\"output_per_million\":1,\"currency\":\"USD\",\"currency\":\"EUR\"}"),
                request("admin key", "POST", "/admin/v1/admin-keys", JSON, "{\"name\":\"a\",\"expires_at\":null,\"name\":\"b\"}"),
                request("tenant", "PATCH", "/admin/v1/tenants/" + f.tenant, JSON,
                        "{\"name\":\"a\",\"allowed_models\":[],\"is_active\":true,\"limits\":null,\"name\":\"b\"}")));
    }

    /**
     * Bytes Jackson takes for UTF-32 but that are not were a 500 (CharConversionException): now a 400.
     */
    @Test
    void knownBugUndecodableBodyIsA500() {
        assertRefused(List.of(request("UTF-32 garbage", "POST", "/admin/v1/providers", JSON, null)
                .body(new byte[]{0, 0, 0, '{', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff})));
    }

    /**
     * Trailing content, repeated keys and scalar coercion were accepted: the REST ObjectMapper is strict (StrictJson).
     */
    @Test
    void knownBugLenientJsonIsAccepted() {
        Fixture f = fixture();
        String p = "/admin/v1/providers/" + f.provider;
        assertRefused(List.of(
                request("trailing garbage", "PATCH", p, JSON, "{\"weight\":7} garbage"),
                request("trailing object", "PATCH", p, JSON, "{\"weight\":7}{\"weight\":-1}"),
                request("trailing brace", "PATCH", p, JSON, "{\"weight\":7}}"),
                request("duplicated key", "PATCH", p, JSON, "{\"weight\":-1,\"weight\":7}"),
                request("string for integer", "PATCH", p, JSON, "{\"weight\":\"70\"}"),
                request("fraction for integer", "PATCH", p, JSON, "{\"weight\":1.9}"),
                request("number for string", "PATCH", p, JSON, "{\"region\":12}"),
                request("boolean for string", "PATCH", p, JSON, "{\"name\":false}"),
                request("number for boolean", "PATCH", p, JSON, "{\"is_active\":1}"),
                request("string for boolean", "PATCH", p, JSON, "{\"is_active\":\"false\"}"),
                request("number for string list item", "PATCH", "/admin/v1/tenants/" + f.tenant, JSON, "{\"allowed_models\":[1]}")));
    }

    /**
     * YAML tags and directives were ignored: /apply refuses them, and anchors, aliases and several documents, from
     * SnakeYAML's events before Jackson reads the document.
     */
    @Test
    void knownBugYamlTagsAreIgnored() {
        assertRefused(List.of(
                request("tag on a provider", "POST", "/admin/v1/apply?dryRun=true", YAML, "- !!java.lang.Runtime\n  name: x\n  endpoint: http://a.test\n  api_key: k\n"),
                request("tag on a scalar", "POST", "/admin/v1/apply?dryRun=true", YAML,
                        "- name: !!javax.script.ScriptEngineManager x\n  endpoint: http://a.test\n  api_key: k\n"),
                request("!!binary", "POST", "/admin/v1/apply?dryRun=true", YAML, "- name: !!binary aGVsbG8=\n  endpoint: http://a.test\n  api_key: k\n"),
                request("!!set", "POST", "/admin/v1/apply?dryRun=true", YAML, "- name: x\n  endpoint: http://a.test\n  api_key: k\n  settings: !!set {a, b}\n"),
                request("%TAG", "POST", "/admin/v1/apply?dryRun=true", YAML,
                        "%TAG ! tag:x.com,2000:\n---\n- !foo\n  name: x\n  endpoint: http://a.test\n  api_key: k\n")));
    }

    /**
     * Requests refused before JAX-RS had empty bodies (413 over {@code quarkus.http.limits.max-body-size}, also chunked,
     * which also logged an ERROR; 431 for headers, 414 for the URL). Now TransportLimits answers them with the envelope:
     * a route ahead of Quarkus' body-size check and of RESTEasy's body reading, and, for 414/431, the configured limits
     * enforced by that route while the HTTP decoder's own are raised (see
     * {@link #decoderRefusalsBeyondTheRaisedLimitsAreBare4xx()} for what remains beyond them).
     */
    @Test
    void knownBugTransportRejectionsHaveNoEnvelope() {
        Probe chunked = request("2 MB chunked", "POST", "/admin/v1/providers", JSON, "{\"name\":\"" + "x".repeat(2_000_000) + "\"}").expect(413);
        chunked.chunked = true;
        assertRefused(List.of(
                request("2 MB", "POST", "/admin/v1/providers", JSON, "{\"name\":\"" + "x".repeat(2_000_000) + "\"}").expect(413), chunked,
                request("30 KB header", "GET", "/admin/v1/tenants", null, null).header("X-Padding", "p".repeat(30_000)).expect(431),
                request("10 KB URL", "GET", "/admin/v1/tenants/" + "t".repeat(10_000), null, null).expect(414)));
    }

    /**
     * Parser messages reached clients verbatim, with Java class and feature names: the messages are now made from
     * the kind of failure, its position and its field path.
     */
    @Test
    void knownBugInternalNamesInMessages() {
        assertRefused(List.of(
                request("NaN", "POST", "/admin/v1/providers", JSON, "{\"weight\":NaN}"),
                request("record separator", "POST", "/admin/v1/providers", JSON, "{\"weight\":1,\u001e\"name\":\"x\"}"),
                request("exponent underflow", "PUT", "/admin/v1/prices/gpt-4o", JSON, "{\"input_per_million\":1e-2147483649,\"output_per_million\":1}"),
                request("JSON nesting", "POST", "/admin/v1/apply?dryRun=true", JSON, "[".repeat(2_000) + "]".repeat(2_000)),
                request("YAML nesting", "POST", "/admin/v1/apply?dryRun=true", YAML, "[".repeat(2_000) + "]".repeat(2_000)),
                request("two YAML documents", "POST", "/admin/v1/apply?dryRun=true", YAML, "- name: x\n---\n- name: y\n"),
                request("YAML complex key", "POST", "/admin/v1/apply?dryRun=true", YAML, "- ? [a, b]\n  : c\n")));
    }

    /**
     * Numeric ids were parsed with Long.parseLong, which takes fullwidth and other Unicode digits: the path
     * templates take ASCII digits only.
     */
    @Test
    void knownBugUnicodeDigitsAddressRealIds() {
        Fixture f = fixture();
        String fullwidth = String.valueOf(f.provider).chars().mapToObj(c -> String.valueOf((char) (c - '0' + '０'))).collect(Collectors.joining());
        assertRefused(List.of(request("fullwidth id", "GET", "/admin/v1/providers/" + enc(fullwidth), null, null).expect(404)));
    }

    /**
     * PATCH took a blank name that POST refused: every name field (create, PATCH, apply) is {@code @Name}.
     */
    @Test
    void knownBugPatchAcceptsBlankNames() {
        Fixture f = fixture();
        assertRefused(List.of(
                request("blank provider name", "PATCH", "/admin/v1/providers/" + f.provider, JSON, "{\"name\":\"   \"}"),
                request("blank tenant name", "PATCH", "/admin/v1/tenants/" + f.tenant, JSON, "{\"name\":\"\\t\"}")));
    }

    /** The positive side of TransportLimits: a chunked body (no Content-Length) within the limit is read whole, as JSON and as YAML. */
    @Test
    void chunkedBodiesWithinTheLimitAreRead() throws Exception {
        String tenant = unique("chunked");
        Probe create = request("chunked create", "POST", "/admin/v1/tenants", JSON, "{\"id\":\"" + tenant + "\",\"name\":\"Chunked\"}");
        create.chunked = true;
        HttpResponse<byte[]> created = send(create);
        assertThat(created.statusCode()).as(new String(created.body(), UTF_8)).isEqualTo(201);
        assertThat(text("SELECT name FROM tenants WHERE id = ?", tenant)).isEqualTo("Chunked");
        admin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);

        Probe dryRun = request("chunked apply", "POST", "/admin/v1/apply?dryRun=true&prune=false", YAML,
                "- name: " + tenant + "\n  endpoint: https://chunked.test/v1\n  api_key: k\n");
        dryRun.chunked = true;
        HttpResponse<byte[]> planned = send(dryRun);
        assertThat(planned.statusCode()).as(new String(planned.body(), UTF_8)).isEqualTo(200);
        assertThat(MAPPER.readTree(planned.body()).path("changes").path(0).path("name").asText()).isEqualTo(tenant);
    }

    /**
     * The best achievable beyond the limits TransportLimits takes over: Vert.x's HTTP decoder refuses a request line or
     * headers over its own limits (raised to 4 times the configured ones, at least 64 KiB) before any route runs, through
     * {@code HttpServer#invalidRequestHandler}, whose default answer has no body, and Quarkus creates the server without
     * a way to set that handler (HttpServerOptionsCustomizer only sees the options). So these are a bare 414/431: still
     * a 4xx, and nothing leaks.
     */
    @Test
    void decoderRefusalsBeyondTheRaisedLimitsAreBare4xx() throws Exception {
        Probe url = request("300 KB URL", "GET", "/admin/v1/tenants/" + "t".repeat(300_000), null, null);
        Probe header = request("300 KB header", "GET", "/admin/v1/tenants", null, null).header("X-Padding", "p".repeat(300_000));
        for (Probe p : List.of(url, header)) {
            p.transport = true;
            HttpResponse<byte[]> r = send(p);
            assertThat(r.statusCode()).as(p.what).isEqualTo(p == url ? 414 : 431);
            assertThat(new String(r.body(), UTF_8)).as(p.what).isEmpty();
        }
    }
}
