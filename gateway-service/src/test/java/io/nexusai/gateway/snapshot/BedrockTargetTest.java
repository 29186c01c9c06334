package io.nexusai.gateway.snapshot;

import io.nexusai.api.crypto.AwsKeys;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BedrockTargetTest {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("bedrock-target-test-master-secret-0123456789", Duration.ofHours(1));

    static Deployment bedrock(long id, String secret) {
        return new Deployment(id, id, "bedrock-" + id, ProviderKind.BEDROCK, "https://bedrock-runtime.{region}.amazonaws.com",
                CIPHER.encrypt(secret), "m", 1, 0, "us-east-1", Map.of("us-east-1", 1, "eu-west-1", 1), 1, BigDecimal.ONE, Map.of(), null);
    }

    @Test
    void aBedrockTargetHoldsItsAwsCredentialsPerRegionAndOneWithoutThemIsLeftOut() {
        String secret = new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", "FwoGZXIvYXdz").encode();
        RouteEntry entry = new RouteEntry("alias", 0, List.of(bedrock(1, secret), bedrock(2, "sk-not-aws-credentials")), null);
        RouteTable.Route route = RouteTable.compile(new RouteSnapshot(1, Instant.now(), Map.of("alias", entry)), CIPHER).route("alias");
        assertThat(route.targets()).extracting(Target::label).containsExactly("bedrock-1/eu-west-1", "bedrock-1/us-east-1");
        assertThat(route.targets()).extracting(t -> t.deployment().endpoint())
                .containsExactly("https://bedrock-runtime.eu-west-1.amazonaws.com", "https://bedrock-runtime.us-east-1.amazonaws.com");
        assertThat(route.targets().getFirst().awsCredentials()).isInstanceOfSatisfying(AwsSessionCredentialsIdentity.class, c -> {
            assertThat(c.accessKeyId()).isEqualTo("AKIAIOSFODNN7EXAMPLE");
            assertThat(c.sessionToken()).isEqualTo("FwoGZXIvYXdz");
        });
        assertThat(route.targets().getFirst().toString()).doesNotContain("wJalrXUtnFEMI");
        assertThat(new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", null).toString()).doesNotContain("wJalrXUtnFEMI");
    }

    @Test
    void routesOfOneProviderShareOneDecryptedKey() {
        String envelope = CIPHER.encrypt(new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", null).encode());
        Map<String, RouteEntry> routes = new java.util.HashMap<>();
        for (int i = 1; i <= 3; i++) {
            Deployment d = new Deployment(i, 7, "bedrock", ProviderKind.BEDROCK, "https://bedrock-runtime.us-east-1.amazonaws.com",
                    new String(envelope), "m" + i, 1, 0, null, Map.of(), 1, BigDecimal.ONE, Map.of(), null);
            routes.put("alias-" + i, new RouteEntry("alias-" + i, 0, List.of(d), null));
        }
        RouteTable table = RouteTable.compile(new RouteSnapshot(1, Instant.now(), routes), CIPHER);
        String key = table.route("alias-1").targets().getFirst().apiKey();
        assertThat(table.route("alias-2").targets().getFirst().apiKey()).isSameAs(key);
        assertThat(table.route("alias-3").targets().getFirst().apiKey()).isSameAs(key);
    }
}
