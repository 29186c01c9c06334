package io.nexusai.gateway.upstream;

import io.nexusai.api.crypto.AwsKeys;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.mock.MockProviderServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SigV4 signing of Bedrock requests: the headers it adds, and requests the mock provider — which checks signatures
 * with the AWS SDK, as AWS does — accepts when the secret is right and refuses when it is not, sent by Vert.x's
 * client as the gateway sends them (its Host header, the percent-encoded model id in the path).
 */
class AwsSigV4Test {
    static final String SECRET = "sk-sigv4-test-mock-secret";
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("sigv4-test-master-secret-0123456789abcdef", Duration.ofHours(1));
    static Vertx vertx;
    static MockProviderServer mock;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        mock = new MockProviderServer(vertx, SECRET).start("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = vertx.createHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static Target target(String endpoint, String region, AwsKeys keys) {
        Deployment d = new Deployment(1, 1, "bedrock-test", ProviderKind.BEDROCK, endpoint, CIPHER.encrypt(keys.encode()),
                "anthropic.claude-3-5-haiku-20241022-v1:0", 1, 0, region, null, 1, BigDecimal.ONE, Map.of(), null);
        RouteEntry entry = new RouteEntry("alias", 0, List.of(d), null);
        return RouteTable.compile(new RouteSnapshot(1, Instant.now(), Map.of("alias", entry)), CIPHER).route("alias").targets().getFirst();
    }

    static UpstreamRequest converse(String endpoint, String body) {
        return new UpstreamRequest(endpoint + "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse", Buffer.buffer(body));
    }

    @Test
    void signsWithTheDeploymentsRegionAndTheSessionToken() {
        Target target = target("https://bedrock-runtime.eu-west-3.amazonaws.com", "eu-west-3",
                new AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLETOKEN"));
        Clock clock = Clock.fixed(Instant.parse("2026-12-06T01:02:03Z"), ZoneOffset.UTC);
        Map<String, List<String>> headers = AwsSigV4.signedHeaders(target,
                converse("https://bedrock-runtime.eu-west-3.amazonaws.com", "{\"messages\":[]}"), clock);
        assertThat(headers.get("X-Amz-Date")).containsExactly("20261206T010203Z");
        assertThat(headers.get("X-Amz-Security-Token")).containsExactly("FwoGZXIvYXdzEXAMPLETOKEN");
        assertThat(headers.get("Host")).containsExactly("bedrock-runtime.eu-west-3.amazonaws.com");
        assertThat(headers.get("Authorization").getFirst())
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/eu-west-3/bedrock/aws4_request, ")
                .contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=")
                .doesNotContain("wJalrXUtnFEMI");
        // the same request at the same time signs the same; another body does not
        assertThat(AwsSigV4.signedHeaders(target, converse("https://bedrock-runtime.eu-west-3.amazonaws.com", "{\"messages\":[]}"), clock)
                .get("Authorization")).isEqualTo(headers.get("Authorization"));
        assertThat(AwsSigV4.signedHeaders(target, converse("https://bedrock-runtime.eu-west-3.amazonaws.com", "{\"messages\":[1]}"), clock)
                .get("Authorization")).isNotEqualTo(headers.get("Authorization"));
        // an AWS host names the region AWS checks; a proxy or private endpoint signs for the provider's region
        Target proxied = target("https://bedrock.internal.example", "eu-central-1", new AwsKeys("AKIAIOSFODNN7EXAMPLE", "s", null));
        assertThat(AwsSigV4.region(proxied, "bedrock-runtime.ap-south-1.amazonaws.com")).isEqualTo("ap-south-1");
        assertThat(AwsSigV4.region(proxied, "bedrock-runtime-fips.us-east-2.amazonaws.com")).isEqualTo("us-east-2");
        assertThat(AwsSigV4.region(proxied, "bedrock.internal.example")).isEqualTo("eu-central-1");
    }

    @Test
    void theMockAcceptsTheSignatureOfTheRightSecretAndRefusesAnother() throws Exception {
        String endpoint = "http://127.0.0.1:" + mock.port();
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Grüezi\"}]}]}";
        HttpClientResponse ok = send(target(endpoint, "us-east-1", new AwsKeys(MockProviderServer.BEDROCK_ACCESS_KEY_ID, SECRET, null)),
                converse(endpoint, body));
        assertThat(ok.statusCode()).isEqualTo(200);
        HttpClientResponse refused = send(target(endpoint, "us-east-1",
                new AwsKeys(MockProviderServer.BEDROCK_ACCESS_KEY_ID, "not-" + SECRET, null)), converse(endpoint, body));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.getHeader("x-amzn-ErrorType")).isEqualTo("InvalidSignatureException");
    }

    private static HttpClientResponse send(Target target, UpstreamRequest call) throws Exception {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(call.url()))
                .compose(request -> {
                    request.putHeader("Content-Type", "application/json");
                    UpstreamCredentials.apply(target, request, call);
                    return request.send(call.body());
                })
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
