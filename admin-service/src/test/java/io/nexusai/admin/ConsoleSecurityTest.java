package io.nexusai.admin;

import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.RedirectConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.nexusai.admin.AdminTestSupport.ADMIN_KEY;
import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.jdbc;
import static io.nexusai.admin.AdminTestSupport.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin console's security, driven as a browser would (forms, cookies, redirects): no session, no page; the
 * session cookie's attributes; CSRF on every write (a missing or forged token is a 403 and nothing is written);
 * stored markup rendered as text; a strict CSP with no inline script or style; the admin key in no response, cookie,
 * Redis value or log line; sign-out, idle expiry and a revoked admin key end the session.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class ConsoleSecurityTest {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    /** Every console write, with a body that would be valid given the right token. */
    private static final Map<String, Map<String, String>> WRITES = Map.of(
            "/console/tenants", Map.of("id", "csrf-victim", "name", "Victim"),
            "/console/providers", Map.of("name", "csrf-provider", "kind", "openai", "endpoint", "http://127.0.0.1:1", "api_key", "sk-x"),
            "/console/routes", Map.of("model_alias", "csrf-alias", "provider_id", "1", "real_model_name", "m"),
            "/console/aliases/csrf-alias", Map.of("strategy", "latency"),
            "/console/tenants/csrf-victim/keys", Map.of("name", "k"),
            "/console/sign-out", Map.of());

    @Inject
    RedisDataSource redis;

    private final List<Response> responses = new ArrayList<>();

    /** A browser session: the session cookie and the page's CSRF token. */
    record Session(String cookie, String csrf) {
    }

    private static RequestSpecification browser() {
        return given().config(RestAssuredConfig.config().redirect(RedirectConfig.redirectConfig().followRedirects(false)));
    }

    private Response keep(Response r) {
        responses.add(r);
        return r;
    }

    private Session signIn(String adminKey, String forwardedProto) {
        Response form = keep(browser().get("/console/sign-in"));
        assertThat(form.statusCode()).isEqualTo(200);
        RequestSpecification post = browser().cookie("nexus_console_sign_in", form.getCookie("nexus_console_sign_in"))
                .formParam("_csrf", csrf(form.asString())).formParam("admin_key", adminKey);
        if (forwardedProto != null) {
            post.header("X-Forwarded-Proto", forwardedProto);
        }
        Response signedIn = keep(post.post("/console/sign-in"));
        assertThat(signedIn.statusCode()).isEqualTo(303);
        assertThat(signedIn.header("Location")).endsWith("/console/providers");
        String cookie = signedIn.getCookie("nexus_console");
        assertThat(cookie).isNotBlank();
        Response page = keep(browser().cookie("nexus_console", cookie).get("/console/tenants"));
        assertThat(page.statusCode()).isEqualTo(200);
        return new Session(cookie, csrf(page.asString()));
    }

    private static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF field in the page").isTrue();
        return m.group(1);
    }

    private static int count(String sql, String value) throws Exception {
        try (Connection c = jdbc(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, value);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    @Test
    void withoutASessionEveryPageRedirectsToSignInAndWritesAreRefused() throws Exception {
        for (String page : List.of("/console", "/console/providers", "/console/routes", "/console/tenants", "/console/apply",
                "/console/usage", "/console/audit", "/console/anomalies", "/console/providers/1")) {
            Response r = keep(browser().get(page));
            assertThat(r.statusCode()).as(page).isEqualTo(303);
            assertThat(r.header("Location")).as(page).endsWith("/console/sign-in");
        }
        Response forged = keep(browser().cookie("nexus_console", "A".repeat(43)).get("/console/tenants"));
        assertThat(forged.statusCode()).isEqualTo(303);
        Response write = keep(browser().formParam("id", "no-session").formParam("name", "x").post("/console/tenants"));
        assertThat(write.statusCode()).isEqualTo(401);
        assertThat(count("SELECT count(*) FROM tenants WHERE id = ?", "no-session")).isZero();
    }

    @Test
    void signInGivesAStrictHttpOnlyCookieAndAWrongKeyNone() {
        Response form = keep(browser().get("/console/sign-in"));
        Response wrong = keep(browser().cookie("nexus_console_sign_in", form.getCookie("nexus_console_sign_in"))
                .formParam("_csrf", csrf(form.asString())).formParam("admin_key", "nx-adm-wrong").post("/console/sign-in"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.getCookie("nexus_console")).isNull();
        assertThat(wrong.asString()).contains("Invalid, revoked or expired admin key");

        // a sign-in form posted without its own token (from another site) is refused
        Response crossSite = keep(browser().formParam("admin_key", ADMIN_KEY).post("/console/sign-in"));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(crossSite.getCookie("nexus_console")).isNull();

        Response form2 = keep(browser().get("/console/sign-in"));
        Response ok = keep(browser().cookie("nexus_console_sign_in", form2.getCookie("nexus_console_sign_in"))
                .formParam("_csrf", csrf(form2.asString())).formParam("admin_key", ADMIN_KEY).post("/console/sign-in"));
        String setCookie = ok.headers().getValues("Set-Cookie").stream().filter(c -> c.startsWith("nexus_console=")).findFirst().orElseThrow();
        assertThat(setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/console")
                .doesNotContainIgnoringCase("Secure");

        Response behindTls = signInRaw("https");
        String tlsCookie = behindTls.headers().getValues("Set-Cookie").stream().filter(c -> c.startsWith("nexus_console=")).findFirst().orElseThrow();
        assertThat(tlsCookie).containsIgnoringCase("Secure").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
    }

    private Response signInRaw(String proto) {
        Response form = keep(browser().get("/console/sign-in"));
        return keep(browser().header("X-Forwarded-Proto", proto).cookie("nexus_console_sign_in", form.getCookie("nexus_console_sign_in"))
                .formParam("_csrf", csrf(form.asString())).formParam("admin_key", ADMIN_KEY).post("/console/sign-in"));
    }

    @Test
    void everyWriteNeedsTheSessionsCsrfTokenAndWritesNothingWithoutIt() throws Exception {
        Session s = signIn(ADMIN_KEY, null);
        long auditBefore = auditCount();
        for (Map.Entry<String, Map<String, String>> w : WRITES.entrySet()) {
            Response missing = keep(browser().cookie("nexus_console", s.cookie()).formParams(w.getValue()).post(w.getKey()));
            assertThat(missing.statusCode()).as("no token: " + w.getKey()).isEqualTo(403);
            Response forged = keep(browser().cookie("nexus_console", s.cookie()).formParams(w.getValue())
                    .formParam("_csrf", "forged-" + s.csrf().substring(7)).post(w.getKey()));
            assertThat(forged.statusCode()).as("forged token: " + w.getKey()).isEqualTo(403);
        }
        for (String apply : List.of("/console/apply", "/console/apply/dry-run")) {
            Response r = keep(browser().cookie("nexus_console", s.cookie())
                    .formParam("yaml", "- name: csrf-apply\n  endpoint: http://127.0.0.1:1\n  api_key: sk-y\n")
                    .formParam("_csrf", "forged").post(apply));
            assertThat(r.statusCode()).as(apply).isEqualTo(403);
        }
        assertThat(count("SELECT count(*) FROM tenants WHERE id = ?", "csrf-victim")).isZero();
        assertThat(count("SELECT count(*) FROM service_providers WHERE name LIKE ?", "csrf-%")).isZero();
        assertThat(count("SELECT count(*) FROM model_routes WHERE model_alias = ?", "csrf-alias")).isZero();
        assertThat(count("SELECT count(*) FROM model_aliases WHERE alias = ?", "csrf-alias")).isZero();
        assertThat(auditCount()).isEqualTo(auditBefore);
        // the session survived the forged sign-out
        assertThat(keep(browser().cookie("nexus_console", s.cookie()).get("/console/providers")).statusCode()).isEqualTo(200);
    }

    private static long auditCount() throws Exception {
        return count("SELECT count(*) FROM audit_log WHERE ? IS NOT NULL", "x");
    }

    @Test
    void aStoredScriptInATenantNameRendersAsTextAndTheWriteIsAuditedAsTheConsoleUser() {
        Session s = signIn(ADMIN_KEY, null);
        String id = unique("xss");
        String name = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        Response created = keep(browser().cookie("nexus_console", s.cookie()).formParam("_csrf", s.csrf())
                .formParam("id", id).formParam("name", name).post("/console/tenants"));
        assertThat(created.statusCode()).isEqualTo(303);
        for (String page : List.of("/console/tenants", "/console/tenants/" + id)) {
            String html = keep(browser().cookie("nexus_console", s.cookie()).get(page)).asString();
            assertThat(html).as(page).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;")
                    .doesNotContain("<script>alert").doesNotContain("<img src=x");
        }
        // the same audit entry as the REST API writes, with the signed-in admin key as the actor
        String restId = unique("rest");
        admin().body(Map.of("id", restId, "name", "via REST")).post("/admin/v1/tenants").then().statusCode(201);
        String consoleActor = admin().queryParam("object_type", "tenant").queryParam("object_id", id).get("/admin/v1/audit")
                .then().statusCode(200).extract().path("data[0].actor_key_id");
        String restActor = admin().queryParam("object_type", "tenant").queryParam("object_id", restId).get("/admin/v1/audit")
                .then().statusCode(200).extract().path("data[0].actor_key_id");
        assertThat(consoleActor).isNotNull().isNotEqualTo("system").isEqualTo(restActor);
    }

    @Test
    void pagesHaveAStrictPolicyAndNoInlineScriptOrStyle() {
        Session s = signIn(ADMIN_KEY, null);
        for (String page : List.of("/console/providers", "/console/routes", "/console/tenants", "/console/apply", "/console/usage",
                "/console/audit", "/console/anomalies", "/console/sign-in")) {
            Response r = keep(browser().cookie("nexus_console", s.cookie()).get(page));
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            String csp = r.header("Content-Security-Policy");
            assertThat(csp).as(page).contains("default-src 'self'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            String html = r.asString();
            assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)", Pattern.CASE_INSENSITIVE).matcher(html).find()).as(page).isFalse();
            assertThat(Pattern.compile("\\sstyle=|<style|\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find()).as(page).isFalse();
        }
        // the assets the pages load are served
        for (String asset : List.of("/console/assets/htmx.min.js", "/console/assets/console.js", "/console/assets/console.css")) {
            assertThat(keep(browser().get(asset)).statusCode()).as(asset).isEqualTo(200);
        }
    }

    @Test
    void signOutAndARevokedAdminKeyEndTheSession() {
        Session s = signIn(ADMIN_KEY, null);
        Response out = keep(browser().cookie("nexus_console", s.cookie()).formParam("_csrf", s.csrf()).post("/console/sign-out"));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(keep(browser().cookie("nexus_console", s.cookie()).get("/console/providers")).statusCode()).isEqualTo(303);

        Map<String, Object> second = admin().body(Map.of("name", unique("console-admin"))).post("/admin/v1/admin-keys")
                .then().statusCode(201).extract().as(Map.class);
        Session other = signIn((String) second.get("key"), null);
        assertThat(keep(browser().cookie("nexus_console", other.cookie()).get("/console/providers")).statusCode()).isEqualTo(200);
        admin().post("/admin/v1/keys/" + second.get("id") + "/revoke").then().statusCode(200);
        Response after = keep(browser().cookie("nexus_console", other.cookie()).get("/console/providers"));
        assertThat(after.statusCode()).isEqualTo(303);
        assertThat(after.header("Location")).endsWith("/console/sign-in");
    }

    @Test
    void aSessionLivesForTheIdleTimeoutFromItsLastUseAndNotAfter() {
        Session s = signIn(ADMIN_KEY, null);
        String key = sessionKey(s.cookie());
        long ttl = redis.key().pttl(key);
        assertThat(ttl).as("idle expiry of a fresh session").isPositive().isLessThanOrEqualTo(Duration.ofMinutes(30).toMillis());
        // a use pushes the expiry back to the full idle timeout
        redis.key().pexpire(key, Duration.ofMinutes(1));
        assertThat(keep(browser().cookie("nexus_console", s.cookie()).get("/console/providers")).statusCode()).isEqualTo(200);
        assertThat(redis.key().pttl(key)).isGreaterThan(Duration.ofMinutes(1).toMillis());
        // once Redis has let the idle session expire, the cookie opens nothing
        redis.key().pexpire(key, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !redis.key().exists(key));
        Response after = keep(browser().cookie("nexus_console", s.cookie()).get("/console/providers"));
        assertThat(after.statusCode()).isEqualTo(303);
        assertThat(after.header("Location")).endsWith("/console/sign-in");
    }

    /** Where Redis keeps a session: under the SHA-256 of the cookie value, never the value itself. */
    private String sessionKey(String cookie) {
        try {
            String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(cookie.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            List<String> keys = redis.key().keys("*console:session:" + hash);
            assertThat(keys).hasSize(1);
            assertThat(redis.key().keys("*" + cookie + "*")).isEmpty();
            return keys.get(0);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badInputIsAMessageOnThePageNotAnError() {
        Session s = signIn(ADMIN_KEY, null);
        Response r = keep(browser().cookie("nexus_console", s.cookie()).formParam("_csrf", s.csrf()).formParam("name", unique("bad"))
                .formParam("endpoint", "not a url").formParam("api_key", "sk-bad").formParam("weight", "many").post("/console/providers"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("text/html");
        assertThat(r.asString()).contains("weight must be a whole number");
        Response invalid = keep(browser().cookie("nexus_console", s.cookie()).formParam("_csrf", s.csrf()).formParam("name", unique("bad"))
                .formParam("endpoint", "not a url").formParam("api_key", "sk-bad").post("/console/providers"));
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.asString()).contains("endpoint");
    }

    /** Last (by name): everything the other tests received, and what they left in Redis and the log. */
    @Test
    void zzTheAdminKeyIsInNoResponseCookieRedisValueOrLogLine() throws Exception {
        signOutAndARevokedAdminKeyEndTheSession();
        everyWriteNeedsTheSessionsCsrfTokenAndWritesNothingWithoutIt();
        Session s = signIn(ADMIN_KEY, null);
        for (String page : List.of("/console/providers", "/console/tenants", "/console/usage", "/console/apply")) {
            keep(browser().cookie("nexus_console", s.cookie()).get(page));
        }
        assertThat(responses).isNotEmpty();
        for (Response r : responses) {
            assertThat(r.asString()).doesNotContain(ADMIN_KEY);
            r.headers().forEach(h -> assertThat(h.getValue()).as(h.getName()).doesNotContain(ADMIN_KEY));
            r.getCookies().values().forEach(v -> assertThat(v).doesNotContain(ADMIN_KEY));
        }
        for (String key : redis.key().keys("*console*")) {
            redis.hash(String.class).hgetall(key).forEach((field, value) -> assertThat(value).as(key + " " + field).doesNotContain(ADMIN_KEY));
        }
        Path log = Path.of("target/admin-test.log");
        if (Files.exists(log)) {
            assertThat(Files.readString(log)).doesNotContain(ADMIN_KEY);
        }
    }
}
