package io.nexusai.admin;

import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.jdbc;
import static io.nexusai.admin.AdminTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

/** Declarative configuration: the product README's YAML, idempotent, with an exact dry-run diff. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class ApplyTest {
    static final String MOCK = "http://127.0.0.1:18090";
    static final String SECRET = "sk-apply-test-secret-0042";

    /** The product README's example, with the mock provider's URL and a real key instead of ******. */
    static final String README_EXAMPLE = """
            - name: "Azure OpenAI"
              endpoint: "%s"
              api_key: "%s"
              models:
                - alias: "nexus-gpt4"      # model name inside the platform
                  real_name: "gpt-4"       # the vendor's real model name
                  rate_limit: 300          # max requests per minute
                  region_weights:          # multi-region load split
                    eastus: 60
                    westus: 40
            """.formatted(MOCK, SECRET);

    static JsonPath apply(String yaml, boolean dryRun, boolean prune) {
        return admin().contentType("application/yaml").queryParam("dryRun", dryRun).queryParam("prune", prune).body(yaml)
                .post("/admin/v1/apply").then().log().ifValidationFails().statusCode(200).body(not(containsString(SECRET))).extract().jsonPath();
    }

    @Test
    void readmeExampleAppliesOnceThenChangesNothingAndDryRunShowsTheExactDiff() {
        JsonPath first = apply(README_EXAMPLE, false, true);
        assertThat(first.getBoolean("changed")).isTrue();
        assertThat(first.getList("changes.action")).contains("create");
        assertThat(first.getList("changes.name")).contains("Azure OpenAI", "nexus-gpt4 -> Azure OpenAI/gpt-4");

        admin().get("/admin/v1/providers").then().body("find { it.name == 'Azure OpenAI' }.api_key", equalTo("sk-...0042"))
                .body("find { it.name == 'Azure OpenAI' }.kind", equalTo("openai"));
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then()
                .body("[0].rate_limit", equalTo(300)).body("[0].region_weights.eastus", equalTo(60)).body("[0].real_model_name", equalTo("gpt-4"));

        JsonPath again = apply(README_EXAMPLE, false, true);
        assertThat(again.getBoolean("changed")).isFalse();
        assertThat(again.getList("changes")).isEmpty();
        assertThat(again.getMap("summary")).isEqualTo(Map.of("create", 0, "update", 0, "delete", 0, "not_deleted", 0));
        // the masked key of the README means "keep the stored key": still no change
        assertThat(apply(README_EXAMPLE.replace(SECRET, "******"), false, true).getBoolean("changed")).isFalse();

        String edited = README_EXAMPLE
                .replace("rate_limit: 300", "rate_limit: 500")
                .replace("westus: 40", "westus: 40\n        westus2: 10")
                + """
                    - alias: "nexus-gpt4-mini"
                      real_name: "gpt-4o-mini"
                - name: "Backup"
                  endpoint: "%s/backup"
                  api_key: "sk-backup-key-0001"
                """.formatted(MOCK);
        JsonPath diff = apply(edited, true, true);
        assertThat(diff.getBoolean("dry_run")).isTrue();
        assertThat(diff.getList("changes", Map.class)).containsExactly(
                Map.of("action", "update", "type", "route", "name", "nexus-gpt4 -> Azure OpenAI/gpt-4",
                        "fields", List.of("rate_limit", "region_weights"), "applied", true),
                Map.of("action", "create", "type", "route", "name", "nexus-gpt4-mini -> Azure OpenAI/gpt-4o-mini", "fields", List.of(),
                        "applied", true),
                Map.of("action", "create", "type", "provider", "name", "Backup", "fields", List.of(), "applied", true));
        assertThat(diff.getMap("summary")).isEqualTo(Map.of("create", 2, "update", 1, "delete", 0, "not_deleted", 0));
        // a dry run writes nothing
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("[0].rate_limit", equalTo(300));

        JsonPath applied = apply(edited, false, true);
        assertThat(applied.getList("changes", Map.class)).isEqualTo(diff.getList("changes", Map.class));
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("[0].rate_limit", equalTo(500))
                .body("[0].region_weights.westus2", equalTo(10));
        assertThat(apply(edited, false, true).getBoolean("changed")).isFalse();
        admin().queryParam("object_type", "config").get("/admin/v1/audit").then().statusCode(200)
                .body("data.action", hasItems("apply")).body(not(containsString(SECRET)));

        // back to the README file: the extra route and provider are pruned
        JsonPath back = apply(README_EXAMPLE, true, true);
        assertThat(back.getList("changes.action")).contains("delete", "update");
        assertThat(back.getList("changes.name")).contains("Backup", "nexus-gpt4-mini -> Azure OpenAI/gpt-4o-mini");
    }

    @Test
    void withoutPruneNothingTheFileOmitsIsDeletedAndTheDiffListsItAsNotDeleted() throws Exception {
        apply(README_EXAMPLE, false, true);
        // what the file omits, made with the admin API: another provider with a route, an extra route of the file's
        // provider, and an alias policy
        String other = unique("apply-other");
        String otherAlias = unique("apply-other-alias");
        String extraAlias = unique("apply-extra-alias");
        long otherId = admin().body(Map.of("name", other, "endpoint", MOCK + "/other", "api_key", "sk-other-key-0001"))
                .post("/admin/v1/providers").then().statusCode(201).extract().jsonPath().getLong("id");
        admin().body(Map.of("model_alias", otherAlias, "provider_id", otherId, "real_model_name", "gpt-4o"))
                .post("/admin/v1/routes").then().statusCode(201);
        long azureId = admin().get("/admin/v1/providers").then().extract().jsonPath().getLong("find { it.name == 'Azure OpenAI' }.id");
        long extraRouteId = admin().body(Map.of("model_alias", extraAlias, "provider_id", azureId, "real_model_name", "gpt-4o-mini"))
                .post("/admin/v1/routes").then().statusCode(201).extract().jsonPath().getLong("id");
        admin().body(Map.of("max_attempts", 2)).put("/admin/v1/aliases/" + otherAlias).then().statusCode(200);
        List<Map<String, Object>> omitted = List.of(
                Map.of("action", "delete", "type", "route", "name", extraAlias + " -> Azure OpenAI/gpt-4o-mini", "fields", List.of(),
                        "applied", false),
                Map.of("action", "delete", "type", "provider", "name", other, "fields", List.of(), "applied", false));

        // without prune, dry run and real run: the omitted objects listed as not deleted, nothing written
        long audit = lastAuditId();
        long version = configVersion();
        JsonPath dry = apply(README_EXAMPLE, true, false);
        assertThat(dry.getBoolean("dry_run")).isTrue();
        assertThat(dry.getBoolean("prune")).isFalse();
        assertThat(dry.getBoolean("changed")).isFalse();
        assertThat(dry.getList("changes", Map.class)).containsExactlyElementsOf(omitted);
        assertThat(dry.getMap("summary")).isEqualTo(Map.of("create", 0, "update", 0, "delete", 0, "not_deleted", 2));
        JsonPath kept = apply(README_EXAMPLE, false, false);
        assertThat(kept.getBoolean("dry_run")).isFalse();
        assertThat(kept.getBoolean("changed")).isFalse();
        assertThat(kept.getList("changes", Map.class)).containsExactlyElementsOf(omitted);
        assertThat(kept.getMap("summary")).isEqualTo(dry.getMap("summary"));
        // the default is the same as prune=false
        JsonPath byDefault = admin().contentType("application/yaml").body(README_EXAMPLE).post("/admin/v1/apply").then().statusCode(200)
                .extract().jsonPath();
        assertThat(byDefault.getBoolean("prune")).isFalse();
        assertThat(byDefault.getList("changes", Map.class)).containsExactlyElementsOf(omitted);
        assertStillThere(other, otherAlias, extraAlias);
        assertThat(auditSince(audit)).isEmpty();
        assertThat(configVersion()).isEqualTo(version);

        // an update without prune: written and audited as before (the route, then the apply), the omitted objects kept
        String edited = README_EXAMPLE.replace("rate_limit: 300", "rate_limit: 400");
        JsonPath updated = apply(edited, false, false);
        assertThat(updated.getBoolean("changed")).isTrue();
        assertThat(updated.getList("changes", Map.class)).containsExactly(
                Map.of("action", "update", "type", "route", "name", "nexus-gpt4 -> Azure OpenAI/gpt-4", "fields", List.of("rate_limit"),
                        "applied", true), omitted.get(0), omitted.get(1));
        assertThat(updated.getMap("summary")).isEqualTo(Map.of("create", 0, "update", 1, "delete", 0, "not_deleted", 2));
        assertThat(auditSince(audit)).extracting(e -> e.get("action") + " " + e.get("object_type"))
                .containsExactly("update route", "apply config");
        assertThat(configVersion()).isEqualTo(version + 1);
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("[0].rate_limit", equalTo(400));
        assertStillThere(other, otherAlias, extraAlias);

        // with prune, the dry run lists the same deletions as applied and still writes nothing
        audit = lastAuditId();
        version = configVersion();
        List<Map<String, Object>> deleted = omitted.stream().map(c -> {
            Map<String, Object> change = new java.util.HashMap<>(c);
            change.put("applied", true);
            return (Map<String, Object>) change;
        }).toList();
        JsonPath pruneDry = apply(edited, true, true);
        assertThat(pruneDry.getBoolean("prune")).isTrue();
        assertThat(pruneDry.getBoolean("changed")).isTrue();
        assertThat(pruneDry.getList("changes", Map.class)).containsExactlyElementsOf(deleted);
        assertThat(pruneDry.getMap("summary")).isEqualTo(Map.of("create", 0, "update", 0, "delete", 2, "not_deleted", 0));
        assertStillThere(other, otherAlias, extraAlias);
        assertThat(auditSince(audit)).isEmpty();
        assertThat(configVersion()).isEqualTo(version);

        // the real run with prune deletes them, audited as before (the route, the provider, then the apply)
        JsonPath pruned = apply(edited, false, true);
        assertThat(pruned.getList("changes", Map.class)).isEqualTo(pruneDry.getList("changes", Map.class));
        assertThat(pruned.getMap("summary")).isEqualTo(pruneDry.getMap("summary"));
        admin().get("/admin/v1/providers").then().body("name", not(hasItems(other))).body("name", hasItems("Azure OpenAI"));
        admin().queryParam("alias", otherAlias).get("/admin/v1/routes").then().body("size()", equalTo(0));
        admin().queryParam("alias", extraAlias).get("/admin/v1/routes").then().body("size()", equalTo(0));
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("size()", equalTo(1));
        assertThat(auditSince(audit)).extracting(e -> e.get("action") + " " + e.get("object_type") + " " + e.get("object_id"))
                .containsExactly("delete route " + extraRouteId, "delete provider " + otherId, "apply config apply");
        assertThat(configVersion()).isEqualTo(version + 1);
        // alias policies are not part of the file: even prune keeps them
        admin().get("/admin/v1/aliases/" + otherAlias).then().statusCode(200).body("configured", equalTo(true));
        assertThat(apply(edited, false, true).getBoolean("changed")).isFalse();
    }

    /** The objects the file omits, through the admin API's list endpoints. */
    private static void assertStillThere(String provider, String providerAlias, String extraAlias) {
        admin().get("/admin/v1/providers").then().body("name", hasItems("Azure OpenAI", provider));
        admin().queryParam("alias", providerAlias).get("/admin/v1/routes").then().body("size()", equalTo(1));
        admin().queryParam("alias", extraAlias).get("/admin/v1/routes").then().body("size()", equalTo(1));
        admin().get("/admin/v1/aliases").then().body("alias", hasItems(providerAlias));
    }

    private static long lastAuditId() {
        return admin().queryParam("limit", 1).get("/admin/v1/audit").then().statusCode(200).extract().jsonPath().getLong("data[0].id");
    }

    /** Audit entries after the given one, oldest first. */
    private static List<Map<String, Object>> auditSince(long id) {
        List<Map<String, Object>> entries = admin().queryParam("limit", 500).get("/admin/v1/audit").then().statusCode(200)
                .extract().jsonPath().getList("data");
        return entries.stream().filter(e -> ((Number) e.get("id")).longValue() > id)
                .sorted(java.util.Comparator.comparingLong(e -> ((Number) e.get("id")).longValue())).toList();
    }

    private static long configVersion() throws Exception {
        try (var c = jdbc(); var s = c.createStatement(); var r = s.executeQuery("SELECT version FROM config_version")) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aProviderWithoutKindGetsItFromItsEndpointGeminiIncluded() {
        String name = unique("gemini");
        apply("""
                - name: "%s"
                  endpoint: "https://generativelanguage.googleapis.com"
                  api_key: "sk-gemini-0001"
                - name: "%s-compat"
                  endpoint: "https://generativelanguage.googleapis.com/v1beta/openai"
                  api_key: "sk-gemini-0002"
                - name: "%s-claude"
                  endpoint: "https://api.anthropic.com"
                  api_key: "sk-gemini-0003"
                """.formatted(name, name, name), false, false);
        admin().get("/admin/v1/providers").then()
                .body("find { it.name == '" + name + "' }.kind", equalTo("gemini"))
                .body("find { it.name == '" + name + "-compat' }.kind", equalTo("openai"))
                .body("find { it.name == '" + name + "-claude' }.kind", equalTo("anthropic"));
    }

    @Test
    void aBedrockProviderIsInferredFromItsEndpointWithItsRegionAndKeepsMaskedCredentials() {
        String name = unique("bedrock");
        String yaml = """
                - name: "%s"
                  endpoint: "https://bedrock-runtime.ap-southeast-2.amazonaws.com"
                  aws_access_key_id: "AKIAIOSFODNN7EXAMPLE"
                  aws_secret_access_key: "%s"
                  models:
                    - alias: "%s-claude"
                      real_name: "anthropic.claude-3-5-haiku-20241022-v1:0"
                """;
        apply(yaml.formatted(name, "bedrock-secret-0001", name), false, false);
        admin().get("/admin/v1/providers").then()
                .body("find { it.name == '" + name + "' }.kind", equalTo("bedrock"))
                .body("find { it.name == '" + name + "' }.region", equalTo("ap-southeast-2"))
                .body("find { it.name == '" + name + "' }.api_key", equalTo("...MPLE"));
        // the same file again changes nothing; masked credentials keep the stored ones; a new secret is a change
        String mine = "changes.findAll { it.applied && it.name.startsWith('" + name + "') }";
        assertThat(apply(yaml.formatted(name, "bedrock-secret-0001", name), true, false).getList(mine)).isEmpty();
        assertThat(apply(yaml.formatted(name, "******", name).replace("\"AKIAIOSFODNN7EXAMPLE\"", "\"******\""), true, false)
                .getList(mine)).isEmpty();
        assertThat(apply(yaml.formatted(name, "bedrock-secret-0002", name), true, false)
                .getList("changes.find { it.type == 'provider' && it.name == '" + name + "' }.fields", String.class))
                .containsExactly("aws_credentials");
        admin().contentType("application/yaml").body("""
                - name: "%s-new"
                  endpoint: "https://bedrock-runtime.us-east-1.amazonaws.com"
                  api_key: "sk-not-aws"
                """.formatted(name)).post("/admin/v1/apply").then().statusCode(400)
                .body("error.param", equalTo("providers[0].aws_access_key_id"));
    }

    @Test
    void badDocumentsAreRefusedWithPaths() {
        admin().contentType("application/yaml").body("- name: [unclosed").post("/admin/v1/apply").then().statusCode(400)
                .body("error.code", equalTo("invalid_document"));
        admin().contentType("application/yaml").body("""
                        - name: ""
                          endpoint: "ftp://nowhere"
                          api_key: "k"
                          models:
                            - alias: "bad alias!"
                              real_name: "gpt-4"
                              rate_limit: -3
                        """).post("/admin/v1/apply").then().statusCode(400)
                .body("error.details.param", hasItems("providers[0].name", "providers[0].endpoint",
                        "providers[0].models[0].alias", "providers[0].models[0].rate_limit"));
        admin().contentType("application/yaml").body("""
                        - name: "New"
                          endpoint: "http://127.0.0.1:1/v1"
                          api_key: "******"
                        """).post("/admin/v1/apply").then().statusCode(400).body("error.param", equalTo("providers[0].api_key"));
        admin().contentType("application/yaml").body("""
                        - name: "Twice"
                          endpoint: "http://127.0.0.1:1/v1"
                          api_key: "k"
                        - name: "Twice"
                          endpoint: "http://127.0.0.1:2/v1"
                          api_key: "k"
                        """).post("/admin/v1/apply").then().statusCode(400).body("error.param", equalTo("providers[1].name"));
        admin().contentType("application/yaml").body("- name: x\n  endpoint: http://a.test\n  api_key: k\n  weight: heavy\n")
                .post("/admin/v1/apply").then().statusCode(400).body("error.param", equalTo("providers[0].weight"));
        admin().contentType("application/yaml").body("- name: x\n  endpoint: http://a.test\n  api_key: k\n  colour: red\n")
                .post("/admin/v1/apply").then().statusCode(400).body("error.param", equalTo("providers[0].colour"));
        admin().contentType("application/xml").body("<providers/>").post("/admin/v1/apply").then().statusCode(415);
        admin().contentType("application/json").body("{\"providers\": 5}").post("/admin/v1/apply").then().statusCode(400);
        admin().contentType("application/yaml").body("a: &a [*a, *a]").post("/admin/v1/apply").then().statusCode(400);
    }
}
