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

    static JsonPath apply(String yaml, boolean dryRun) {
        return admin().contentType("application/yaml").queryParam("dryRun", dryRun).body(yaml)
                .post("/admin/v1/apply").then().log().ifValidationFails().statusCode(200).body(not(containsString(SECRET))).extract().jsonPath();
    }

    @Test
    void readmeExampleAppliesOnceThenChangesNothingAndDryRunShowsTheExactDiff() {
        JsonPath first = apply(README_EXAMPLE, false);
        assertThat(first.getBoolean("changed")).isTrue();
        assertThat(first.getList("changes.action")).contains("create");
        assertThat(first.getList("changes.name")).contains("Azure OpenAI", "nexus-gpt4 -> Azure OpenAI/gpt-4");

        admin().get("/admin/v1/providers").then().body("find { it.name == 'Azure OpenAI' }.api_key", equalTo("sk-...0042"))
                .body("find { it.name == 'Azure OpenAI' }.kind", equalTo("openai"));
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then()
                .body("[0].rate_limit", equalTo(300)).body("[0].region_weights.eastus", equalTo(60)).body("[0].real_model_name", equalTo("gpt-4"));

        JsonPath again = apply(README_EXAMPLE, false);
        assertThat(again.getBoolean("changed")).isFalse();
        assertThat(again.getList("changes")).isEmpty();
        assertThat(again.getMap("summary")).isEqualTo(Map.of("create", 0, "update", 0, "delete", 0));
        // the masked key of the README means "keep the stored key": still no change
        assertThat(apply(README_EXAMPLE.replace(SECRET, "******"), false).getBoolean("changed")).isFalse();

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
        JsonPath diff = apply(edited, true);
        assertThat(diff.getBoolean("dry_run")).isTrue();
        assertThat(diff.getList("changes", Map.class)).containsExactly(
                Map.of("action", "update", "type", "route", "name", "nexus-gpt4 -> Azure OpenAI/gpt-4",
                        "fields", List.of("rate_limit", "region_weights")),
                Map.of("action", "create", "type", "route", "name", "nexus-gpt4-mini -> Azure OpenAI/gpt-4o-mini", "fields", List.of()),
                Map.of("action", "create", "type", "provider", "name", "Backup", "fields", List.of()));
        assertThat(diff.getMap("summary")).isEqualTo(Map.of("create", 2, "update", 1, "delete", 0));
        // a dry run writes nothing
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("[0].rate_limit", equalTo(300));

        JsonPath applied = apply(edited, false);
        assertThat(applied.getList("changes", Map.class)).isEqualTo(diff.getList("changes", Map.class));
        admin().queryParam("alias", "nexus-gpt4").get("/admin/v1/routes").then().body("[0].rate_limit", equalTo(500))
                .body("[0].region_weights.westus2", equalTo(10));
        assertThat(apply(edited, false).getBoolean("changed")).isFalse();
        admin().queryParam("object_type", "config").get("/admin/v1/audit").then().statusCode(200)
                .body("data.action", hasItems("apply")).body(not(containsString(SECRET)));

        // back to the README file: the extra route and provider are pruned
        JsonPath back = apply(README_EXAMPLE, true);
        assertThat(back.getList("changes.action")).contains("delete", "update");
        assertThat(back.getList("changes.name")).contains("Backup", "nexus-gpt4-mini -> Azure OpenAI/gpt-4o-mini");
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
