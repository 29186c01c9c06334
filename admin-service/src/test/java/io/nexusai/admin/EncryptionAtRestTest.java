package io.nexusai.admin;

import io.nexusai.admin.service.SecretReencryption;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.testsupport.PostgresTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nexusai.admin.AdminTestSupport.admin;
import static io.nexusai.admin.AdminTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.startsWith;

/**
 * Secrets at rest: provider API keys and key signing secrets are stored only as {@code nxenc:v1:} envelopes, data
 * keys rotate after their lifetime, every envelope stays decryptable with {@code DB_ENCRYPTION_KEY}, and
 * {@link SecretReencryption} moves envelopes of expired data keys to the current one (and then has nothing to do).
 *
 * <p>Runs in an application of its own (see {@link ShortDataKeys}): data keys live {@value #DATA_KEY_SECONDS} s.
 */
@QuarkusTest
@TestProfile(EncryptionAtRestTest.ShortDataKeys.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RedisTestResource.class)
class EncryptionAtRestTest {
    /** {@code %test.nexus.security.db-encryption-key} of admin-service's application.properties. */
    static final String DB_ENCRYPTION_KEY = "test-only-db-encryption-key-0123456789abcdef";
    /**
     * Data-key lifetime. Not 1 s: {@link EnvelopeCipher} counts ages in whole epoch seconds, so with 1 s the data key
     * made for the second provider could already count as expired for the second {@code reencrypt()} call if a
     * second boundary falls in between. With 3 s the calls have at least 2 s, which they need by far not.
     */
    static final int DATA_KEY_SECONDS = 3;

    /** Short-lived data keys; the scheduled re-encryption out of the way, so only the test's calls re-encrypt. */
    public static class ShortDataKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "nexus.security.data-key-rotation", DATA_KEY_SECONDS + "s",
                    "nexus.admin.reencrypt-every", "24h");
        }
    }

    @Inject
    SecretReencryption reencryption;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "nexus.security.db-encryption-key")
    String configuredKey;

    /** What the test decrypts with: a cipher of its own, knowing nothing but the master key. */
    final EnvelopeCipher testCipher = new EnvelopeCipher(DB_ENCRYPTION_KEY, Duration.ofHours(1));

    @Test
    void secretsAreStoredEncryptedDataKeysRotateAndReencryptionMovesOldEnvelopesToTheCurrentKey() throws Exception {
        assertThat(configuredKey).as("the test decrypts with the %test DB_ENCRYPTION_KEY of application.properties")
                .isEqualTo(DB_ENCRYPTION_KEY);

        // (a) a provider key and a signing secret under the first data key: only ciphertext in the database. Whether the
        // two writes fell within one data-key lifetime is read off the data key's id (its creation second) and the clock
        // after the second write, not assumed: on a loaded machine they may straddle a rotation, and then (a) is redone.
        String providerSecret1 = null;
        long provider1 = 0;
        String key1Id = null;
        String signingSecret1 = null;
        String providerEnvelope1 = null;
        String signingEnvelope1 = null;
        String tenant = unique("enc");
        admin().body(Map.of("id", tenant, "name", "Encryption at rest")).post("/admin/v1/tenants").then().statusCode(201);
        for (int round = 1; ; round++) {
            providerSecret1 = "sk-at-rest-" + random(24);
            provider1 = createProvider(providerSecret1);
            JsonPath key1 = admin().body(Map.of("name", "signed-" + round, "signed", true)).post("/admin/v1/tenants/" + tenant + "/keys")
                    .then().statusCode(201).body("signing_secret", startsWith("nxs-")).extract().jsonPath();
            long writtenBy = java.time.Instant.now().getEpochSecond();
            key1Id = key1.getString("id");
            signingSecret1 = key1.getString("signing_secret");
            providerEnvelope1 = providerEnvelope(provider1);
            signingEnvelope1 = signingEnvelope(key1Id);
            long dataKeyCreated = Long.parseLong(dataKeyId(providerEnvelope1).split("\\.")[0], 36);
            if (writtenBy < dataKeyCreated + DATA_KEY_SECONDS) {
                break;
            }
            assertThat(round).as("rounds in which both secrets could not be written within one data-key lifetime").isLessThan(5);
        }
        assertCiphertextOf(providerEnvelope1, providerSecret1, "service_providers.api_key of provider " + provider1);
        assertCiphertextOf(signingEnvelope1, signingSecret1, "api_keys.signing_secret of key " + key1Id);
        String oldDataKey = dataKeyId(providerEnvelope1);
        assertThat(dataKeyId(signingEnvelope1)).as("secrets written within one data-key lifetime share the data key").isEqualTo(oldDataKey);
        String everything = AdminTestSupport.dumpDatabase();
        assertThat(everything).as("no column of any table holds a plaintext secret")
                .doesNotContain(providerSecret1).doesNotContain(signingSecret1);

        // (b) once the data key has outlived its lifetime, new secrets get a new data key; old envelopes still decrypt
        Thread.sleep(DATA_KEY_SECONDS * 1000L + 300);
        String providerSecret2 = "sk-at-rest-" + random(24);
        long provider2 = createProvider(providerSecret2);
        String key2Id = admin().body(Map.of("name", "signed-later")).post("/admin/v1/tenants/" + tenant + "/keys")
                .then().statusCode(201).extract().path("id");
        String signingSecret2 = admin().post("/admin/v1/keys/" + key2Id + "/signing").then().statusCode(200)
                .body("signing_secret", startsWith("nxs-")).extract().path("signing_secret");
        String providerEnvelope2 = providerEnvelope(provider2);
        String signingEnvelope2 = signingEnvelope(key2Id);
        String newDataKey = dataKeyId(providerEnvelope2);

        // everything not under the new data key is older than the lifetime: the other test method's provider, if it ran first
        long expired = storedEnvelopes().stream().filter(e -> !dataKeyId(e).equals(newDataKey)).count();

        // (c) re-encryption at once, while the new data key is fresh: the old envelopes move to it...
        long versionBefore = Long.parseLong(column("SELECT version::text FROM config_version WHERE id = ?", 1));
        int reencrypted = reencrypt();
        // ...and nothing is left to do
        int again = reencrypt();

        // (b) assertions
        assertCiphertextOf(providerEnvelope2, providerSecret2, "service_providers.api_key of provider " + provider2);
        assertCiphertextOf(signingEnvelope2, signingSecret2, "api_keys.signing_secret of key " + key2Id);
        assertThat(newDataKey).as("a provider created after the data-key lifetime uses a new data key").isNotEqualTo(oldDataKey);
        assertThat(dataKeyId(signingEnvelope2)).as("the signing secret enabled right after it uses the same new data key")
                .isEqualTo(newDataKey);
        assertThat(testCipher.decrypt(providerEnvelope1)).as("an envelope of the old data key still decrypts").isEqualTo(providerSecret1);
        assertThat(testCipher.decrypt(signingEnvelope1)).isEqualTo(signingSecret1);
        assertThat(testCipher.decrypt(providerEnvelope2)).as("an envelope of the new data key decrypts").isEqualTo(providerSecret2);
        assertThat(testCipher.decrypt(signingEnvelope2)).isEqualTo(signingSecret2);

        // (c) assertions
        assertThat(expired).as("envelopes of expired data keys: at least this test's first provider key and signing secret")
                .isGreaterThanOrEqualTo(2);
        assertThat(reencrypted).as("re-encrypted: every envelope of an expired data key, nothing else").isEqualTo(expired);
        String reencryptedProvider = providerEnvelope(provider1);
        String reencryptedSigning = signingEnvelope(key1Id);
        for (String[] c : new String[][]{{providerEnvelope1, reencryptedProvider, providerSecret1, "provider " + provider1},
                {signingEnvelope1, reencryptedSigning, signingSecret1, "signing secret of " + key1Id}}) {
            assertThat(c[1]).as("re-encrypted envelope of the %s", c[3]).isNotEqualTo(c[0]);
            assertCiphertextOf(c[1], c[2], "re-encrypted " + c[3]);
            assertThat(dataKeyId(c[1])).as("data key of the re-encrypted %s", c[3]).isNotEqualTo(oldDataKey).isEqualTo(newDataKey);
        }
        assertThat(providerEnvelope(provider2)).as("an envelope of the current data key is left alone").isEqualTo(providerEnvelope2);
        assertThat(signingEnvelope(key2Id)).isEqualTo(signingEnvelope2);
        assertThat(again).as("a second run right after has nothing to re-encrypt").isZero();
        assertThat(Long.parseLong(column("SELECT max(version)::text FROM config_changes WHERE scope = 'provider' AND key = ?",
                String.valueOf(provider1)))).as("the re-encrypted provider is a change of a new config version (route deltas carry it)")
                .isGreaterThan(versionBefore);
        assertThat(providerEnvelope(provider1)).isEqualTo(reencryptedProvider);
        assertThat(signingEnvelope(key1Id)).isEqualTo(reencryptedSigning);

        // the API still shows the masked key, never the secret
        admin().get("/admin/v1/providers/" + provider1).then().statusCode(200)
                .body("api_key", org.hamcrest.Matchers.equalTo("sk-..." + providerSecret1.substring(providerSecret1.length() - 4)));
    }

    @Test
    void envelopesOfAnotherMasterKeyOrTamperedEnvelopesDoNotDecrypt() throws Exception {
        EnvelopeCipher otherMaster = new EnvelopeCipher("another-master-key-that-is-not-ours-0123456789", Duration.ofHours(1));
        String foreign = otherMaster.encrypt("sk-foreign-secret-0001");
        assertThat(foreign).startsWith(EnvelopeCipher.PREFIX);
        assertThatThrownBy(() -> testCipher.decrypt(foreign)).as("an envelope of another master key")
                .isInstanceOf(IllegalArgumentException.class);

        String secret = "sk-at-rest-" + random(24);
        String stored = providerEnvelope(createProvider(secret));
        assertThat(testCipher.decrypt(stored)).isEqualTo(secret);
        assertThatThrownBy(() -> otherMaster.decrypt(stored)).as("a stored envelope under another master key")
                .isInstanceOf(IllegalArgumentException.class);

        // the data-key id is authenticated, and a wrapped data key only opens its own payload
        String[] ours = stored.split(":");
        String[] theirs = testCipher.encrypt("sk-other-0000000000000").split(":");
        assertThatThrownBy(() -> testCipher.decrypt(String.join(":", ours[0], ours[1], ours[2] + "x", ours[3], ours[4])))
                .as("envelope with an altered data-key id").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> testCipher.decrypt(String.join(":", ours[0], ours[1], theirs[2], theirs[3], ours[4])))
                .as("payload of one envelope with the data key of another").isInstanceOf(IllegalArgumentException.class);
        char[] flipped = ours[4].toCharArray();
        flipped[flipped.length / 2] = flipped[flipped.length / 2] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> testCipher.decrypt(String.join(":", ours[0], ours[1], ours[2], ours[3], new String(flipped))))
                .as("envelope with an altered ciphertext").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> testCipher.decrypt(secret)).as("plaintext is not an envelope").isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * {@link SecretReencryption#reencrypt()} as the scheduler runs it: Hibernate Reactive needs a (safe, duplicated)
     * Vert.x context, which the JUnit thread is not; the test thread only awaits the result.
     */
    private int reencrypt() {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        return Uni.createFrom().voidItem()
                .emitOn(task -> context.runOnContext(v -> task.run()))
                .chain(v -> reencryption.reencrypt())
                .await().atMost(Duration.ofSeconds(30));
    }

    private static long createProvider(String apiKey) {
        return admin().body(Map.of("name", unique("enc-provider"), "endpoint", "https://api.enc.test/v1", "api_key", apiKey))
                .post("/admin/v1/providers").then().statusCode(201)
                .body("api_key", org.hamcrest.Matchers.endsWith(apiKey.substring(apiKey.length() - 4)))
                .extract().jsonPath().getLong("id");
    }

    /** An envelope holds neither the secret nor, in clear, its last four characters; and it decrypts to the secret. */
    private void assertCiphertextOf(String envelope, String plaintext, String where) {
        assertThat(envelope).as(where).isNotNull().startsWith(EnvelopeCipher.PREFIX)
                .doesNotContain(plaintext)
                .doesNotContain(plaintext.substring(plaintext.length() - 4));
        assertThat(envelope.split(":", -1)).as("%s: nxenc:v1:<data key id>:<wrapped data key>:<ciphertext>", where).hasSize(5);
        assertThat(testCipher.decrypt(envelope)).as("%s decrypts with DB_ENCRYPTION_KEY", where).isEqualTo(plaintext);
    }

    /** The third {@code :}-separated field of an envelope. */
    private static String dataKeyId(String envelope) {
        return envelope.split(":")[2];
    }

    private static String providerEnvelope(long id) throws Exception {
        return column("SELECT api_key FROM service_providers WHERE id = ?", id);
    }

    private static String signingEnvelope(String keyId) throws Exception {
        return column("SELECT signing_secret FROM api_keys WHERE id = ?", keyId);
    }

    /** Every provider key and signing secret envelope in the database. */
    private static List<String> storedEnvelopes() throws Exception {
        List<String> all = new ArrayList<>();
        try (Connection c = AdminTestSupport.jdbc(); ResultSet r = c.createStatement().executeQuery(
                "SELECT api_key FROM service_providers UNION ALL SELECT signing_secret FROM api_keys WHERE signing_secret IS NOT NULL")) {
            while (r.next()) {
                all.add(r.getString(1));
            }
        }
        return all;
    }

    private static String column(String sql, Object param) throws Exception {
        try (Connection c = AdminTestSupport.jdbc(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, param);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as("row for %s with %s", sql, param).isTrue();
                return r.getString(1);
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static String random(int n) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
