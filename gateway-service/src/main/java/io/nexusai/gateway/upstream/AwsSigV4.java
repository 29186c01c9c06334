package io.nexusai.gateway.upstream;

import io.netty.buffer.ByteBufInputStream;
import io.nexusai.gateway.provider.UpstreamRequest;
import io.nexusai.gateway.snapshot.Target;
import io.vertx.core.http.HttpClientRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Signs a Bedrock request with AWS Signature Version 4 — the AWS SDK's {@link AwsV4HttpSigner}, service
 * {@value #SERVICE}, the endpoint's (or deployment's) region — and puts the signature headers ({@code Authorization},
 * {@code X-Amz-Date}, {@code x-amz-content-sha256} (the body's hash), {@code X-Amz-Security-Token} for temporary
 * credentials) on the outgoing request; those and {@code host} are the signed headers. CPU only (an HMAC chain, whose signing
 * key the SDK caches per day, and a SHA-256 of the body), so it runs on the event loop.
 */
final class AwsSigV4 {
    /** The signing name of Bedrock Runtime. */
    static final String SERVICE = "bedrock";
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private AwsSigV4() {
    }

    static void sign(Target target, UpstreamRequest call, HttpClientRequest request) {
        signedHeaders(target, call, Clock.systemUTC()).forEach((name, values) -> {
            // Vert.x writes the Host header from the URL, as the signer saw it
            if (!name.equalsIgnoreCase("host") && !values.isEmpty()) {
                request.putHeader(name, values.getFirst());
            }
        });
    }

    /** The headers of the signed request (the signer's own, {@code host} included). */
    static Map<String, List<String>> signedHeaders(Target target, UpstreamRequest call, Clock clock) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(call.url())).build();
        SignedRequest signed = SIGNER.sign(r -> r
                .identity(target.awsCredentials())
                .request(unsigned)
                .payload(() -> new ByteBufInputStream(call.body().getByteBuf()))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region(target, unsigned.host()))
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        return signed.request().headers();
    }

    /**
     * The region to sign for: the one an AWS host names ({@code bedrock-runtime[-fips].<region>.amazonaws.com}, which
     * AWS checks the signature's scope against), else the deployment's (a proxy or private endpoint), else us-east-1.
     */
    static String region(Target target, String host) {
        String[] labels = host.split("\\.");
        if (labels.length == 4 && labels[0].startsWith("bedrock-runtime") && host.endsWith(".amazonaws.com")) {
            return labels[1];
        }
        String region = target.deployment().region();
        return region == null || region.isEmpty() ? "us-east-1" : region;
    }
}
