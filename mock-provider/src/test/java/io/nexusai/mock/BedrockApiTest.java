package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BedrockApiTest extends MockServerTestBase {
    static final String MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String CONVERSE = "/model/" + MODEL.replace(":", "%3A") + "/converse";
    static final String STREAM = "/model/" + MODEL.replace(":", "%3A") + "/converse-stream";
    static final String HELLO = "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello, Bedrock 👋\"}]}]";
    static final AwsCredentialsIdentity GOOD = AwsCredentialsIdentity.create(MockProviderServer.BEDROCK_ACCESS_KEY_ID, KEY);

    /** A request signed by the AWS SDK's signer, as the gateway signs them. */
    static HttpResponse<byte[]> bedrock(String path, String body, AwsCredentialsIdentity credentials, String... headers) {
        try {
            return http.send(signed(path, body, credentials, headers), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpRequest signed(String path, String body, AwsCredentialsIdentity credentials, String... headers) {
        return signed(path, body, body, credentials, headers);
    }

    /** A request whose signature covers {@code signedBody} while it sends {@code sentBody}. */
    static HttpRequest signed(String path, String signedBody, String sentBody, AwsCredentialsIdentity credentials, String... headers) {
        byte[] bytes = signedBody.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create("http://127.0.0.1:" + server.port() + path);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials)
                .request(SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri).build())
                .payload(() -> new ByteArrayInputStream(bytes))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
        HttpRequest.Builder b = request(path, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sentBody));
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                b.header(name, values.getFirst());
            }
        });
        return b.build();
    }

    static HttpResponse<byte[]> bedrock(String path, String body, String... headers) {
        return bedrock(path, body, GOOD, headers);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return json(new String(r.body(), StandardCharsets.UTF_8));
    }

    /** The event-stream messages of a body, each CRC-checked by the SDK's decoder. */
    static List<Message> events(byte[] body) {
        List<Message> out = new ArrayList<>();
        new MessageDecoder(out::add).feed(body);
        return out;
    }

    static String type(Message m) {
        return m.getHeaders().get(":event-type").getString();
    }

    static JsonNode payload(Message m) {
        return json(new String(m.getPayload(), StandardCharsets.UTF_8));
    }

    @BeforeEach
    void clearRules() {
        delete("/_mock/faults");
    }

    @Test
    void conversesWithDocumentedTokenCounts() {
        String body = """
                {"system":[{"text":"You are terse."}],
                 "messages":[{"role":"user","content":[{"text":"First question"}]},
                             {"role":"assistant","content":[{"text":"First answer"}]},
                             {"role":"user","content":[{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}},
                                                       {"text":"What is "},{"text":"this?"}]}],
                 "inferenceConfig":{"temperature":0.5}}""";
        HttpResponse<byte[]> r = bedrock(CONVERSE, body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
        JsonNode out = json(r);
        String text = MockProviderServer.REPLY_PREFIX + MODEL + ": What is this?";
        assertThat(out.at("/output/message/role").asText()).isEqualTo("assistant");
        assertThat(out.at("/output/message/content/0/text").asText()).isEqualTo(text);
        assertThat(out.path("stopReason").asText()).isEqualTo("end_turn");
        int input = TokenCounter.count("You are terse.") + TokenCounter.count("First question") + TokenCounter.count("First answer")
                + TokenCounter.count("What is this?");
        assertThat(out.path("usage")).isEqualTo(json("{\"inputTokens\":" + input + ",\"outputTokens\":" + TokenCounter.count(text)
                + ",\"totalTokens\":" + (input + TokenCounter.count(text)) + "}"));
    }

    @Test
    void aCachePointAfterTheSystemPromptWritesItOnceAndReadsItAfterwards() {
        String system = "You are a careful assistant. " + java.util.UUID.randomUUID();
        String body = "{\"system\":[{\"text\":\"" + system + "\"},{\"cachePoint\":{\"type\":\"default\"}}]," + HELLO + "}";
        int cached = TokenCounter.count(system);
        int rest = TokenCounter.count("Hello, Bedrock 👋");
        JsonNode first = json(bedrock(CONVERSE, body)).path("usage");
        assertThat(first.path("cacheWriteInputTokens").asInt()).isEqualTo(cached);
        assertThat(first.path("cacheReadInputTokens").asInt()).isZero();
        assertThat(first.path("inputTokens").asInt()).isEqualTo(rest);
        List<Message> streamed = events(bedrock(STREAM, body).body());
        JsonNode again = payload(streamed.getLast()).path("usage");
        assertThat(again.path("cacheReadInputTokens").asInt()).isEqualTo(cached);
        assertThat(again.path("cacheWriteInputTokens").asInt()).isZero();
        assertThat(again.path("inputTokens").asInt()).isEqualTo(rest);
        assertThat(again.path("totalTokens").asInt()).isEqualTo(cached + rest + again.path("outputTokens").asInt());
        assertThat(json(bedrock(CONVERSE, "{" + HELLO + "}")).path("usage").has("cacheReadInputTokens")).isFalse();
    }

    @Test
    void streamsTheBinaryEventStreamWithTheSameTextAndUsage() {
        HttpResponse<byte[]> r = bedrock(STREAM, "{" + HELLO + ",\"inferenceConfig\":{\"maxTokens\":4}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.amazon.eventstream");
        List<Message> events = events(r.body());
        assertThat(events).allSatisfy(m -> {
            assertThat(m.getHeaders().get(":message-type").getString()).isEqualTo("event");
            assertThat(payload(m).path("p").asText()).isNotEmpty();
        });
        assertThat(type(events.getFirst())).isEqualTo("messageStart");
        assertThat(events.stream().map(BedrockApiTest::type).toList().subList(events.size() - 3, events.size()))
                .containsExactly("contentBlockStop", "messageStop", "metadata");
        StringBuilder text = new StringBuilder();
        events.stream().filter(m -> type(m).equals("contentBlockDelta")).forEach(m -> text.append(payload(m).at("/delta/text").asText()));
        assertThat(text.toString()).isEqualTo(String.join("", TokenCounter.pieces(MockProviderServer.REPLY_PREFIX + MODEL + ": Hello, Bedrock 👋", 4)));
        assertThat(payload(events.get(events.size() - 2)).path("stopReason").asText()).isEqualTo("max_tokens");
        JsonNode usage = payload(events.getLast()).path("usage");
        assertThat(usage.path("inputTokens").asInt()).isEqualTo(TokenCounter.count("Hello, Bedrock 👋"));
        assertThat(usage.path("outputTokens").asInt()).isEqualTo(4);
    }

    @Test
    void toolsAreCalledAndTheirResultsAnswered() {
        String tools = ",\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"get_weather\",\"inputSchema\":{\"json\":"
                + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}}],\"toolChoice\":{\"any\":{}}}";
        JsonNode call = json(bedrock(CONVERSE, "{" + HELLO + tools + "}"));
        assertThat(call.path("stopReason").asText()).isEqualTo("tool_use");
        JsonNode use = call.at("/output/message/content/0/toolUse");
        assertThat(use.path("name").asText()).isEqualTo("get_weather");
        assertThat(use.path("toolUseId").asText()).startsWith("tooluse_");
        assertThat(use.path("input").path("city").asText()).isEqualTo("Hello, Bedrock 👋");

        List<Message> streamed = events(bedrock(STREAM, "{" + HELLO + tools + "}").body());
        JsonNode start = payload(streamed.get(1));
        assertThat(type(streamed.get(1))).isEqualTo("contentBlockStart");
        assertThat(start.at("/start/toolUse/name").asText()).isEqualTo("get_weather");
        StringBuilder input = new StringBuilder();
        streamed.stream().filter(m -> type(m).equals("contentBlockDelta")).forEach(m -> input.append(payload(m).at("/delta/toolUse/input").asText()));
        assertThat(json(input.toString())).isEqualTo(use.path("input"));

        String history = "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Weather?\"}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":" + use + "}]},"
                + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"" + use.path("toolUseId").asText()
                + "\",\"content\":[{\"text\":\"sunny\"}]}}]}]";
        JsonNode answered = json(bedrock(CONVERSE, "{" + history + tools + "}"));
        assertThat(answered.at("/output/message/content/0/text").asText()).isEqualTo(MockProviderServer.TOOL_RESULT_PREFIX + "sunny");
        assertThat(json(bedrock(CONVERSE, "{" + history + "}"))
                .path("message").asText()).contains("toolConfig field must be defined");
    }

    @Test
    void signaturesAreCheckedAsAwsDoes() {
        HttpResponse<String> unsigned = post(CONVERSE, "{" + HELLO + "}");
        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(unsigned.headers().firstValue("x-amzn-ErrorType")).hasValue("MissingAuthenticationTokenException");

        HttpResponse<byte[]> wrongSecret = bedrock(CONVERSE, "{" + HELLO + "}",
                AwsCredentialsIdentity.create(MockProviderServer.BEDROCK_ACCESS_KEY_ID, "not-the-secret"));
        assertThat(wrongSecret.statusCode()).isEqualTo(403);
        assertThat(wrongSecret.headers().firstValue("x-amzn-ErrorType")).hasValue("InvalidSignatureException");
        assertThat(json(wrongSecret).path("message").asText()).contains("signature we calculated does not match");

        HttpResponse<byte[]> unknownKey = bedrock(CONVERSE, "{" + HELLO + "}", AwsCredentialsIdentity.create("AKIAUNKNOWN000000000", KEY));
        assertThat(unknownKey.statusCode()).isEqualTo(403);
        assertThat(unknownKey.headers().firstValue("x-amzn-ErrorType")).hasValue("UnrecognizedClientException");

        HttpResponse<byte[]> withToken = bedrock(CONVERSE, "{" + HELLO + "}",
                AwsSessionCredentialsIdentity.create(MockProviderServer.BEDROCK_ACCESS_KEY_ID, KEY, "FwoGZXIvYXdzEBYaDk1vY2tTZXNzaW9u"));
        assertThat(withToken.statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyChangedAfterSigningIsRefused() {
        HttpResponse<String> r = send(signed(CONVERSE, "{" + HELLO + "}", "{" + HELLO.replace("Hello", "Goodbye") + "}", GOOD));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue("InvalidSignatureException");
    }

    @Test
    void invalidConversationsGetBedrocksValidationErrors() {
        HttpResponse<byte[]> assistantFirst = bedrock(CONVERSE, "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"text\":\"hi\"}]}]}");
        assertThat(assistantFirst.statusCode()).isEqualTo(400);
        assertThat(assistantFirst.headers().firstValue("x-amzn-ErrorType").orElseThrow()).startsWith("ValidationException:");
        assertThat(json(assistantFirst).path("message").asText()).contains("must start with a user message");
        assertThat(json(bedrock(CONVERSE, "{\"model\":\"x\"," + HELLO + "}")).path("message").asText()).contains("extraneous key [model]");
        assertThat(json(bedrock(CONVERSE, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\" \"}]}]}")).path("message").asText())
                .contains("is blank");
        assertThat(json(bedrock(CONVERSE, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"text\":\"b\"}]}]}")).path("message").asText()).contains("must alternate");
        assertThat(bedrock(CONVERSE, "{" + HELLO + ",\"inferenceConfig\":{\"temperature\":1.5}}").statusCode()).isEqualTo(400);
        HttpResponse<byte[]> notJson = bedrock(CONVERSE, "not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.headers().firstValue("x-amzn-ErrorType").orElseThrow()).startsWith("ValidationException:");
    }

    @Test
    void faultsComeAsAwsErrorsAndStreamsCanBeCut() throws Exception {
        HttpResponse<byte[]> throttled = bedrock(CONVERSE, "{" + HELLO + "}", "x-mock-fault", "status=429;retry-after=3");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("x-amzn-ErrorType").orElseThrow()).startsWith("ThrottlingException:");
        assertThat(json(throttled).path("message").asText()).contains("Too many requests");
        HttpResponse<byte[]> unavailable = bedrock(CONVERSE, "{" + HELLO + "}", "x-mock-fault", "status=503");
        assertThat(unavailable.headers().firstValue("x-amzn-ErrorType").orElseThrow()).startsWith("ServiceUnavailableException:");

        // the connection is cut after two content events: the decoder sees them, and the body fails
        List<Message> cut = new CopyOnWriteArrayList<>();
        MessageDecoder decoder = new MessageDecoder(cut::add);
        CompletableFuture<Throwable> end = new CompletableFuture<>();
        try {
            http.send(signed(STREAM, "{" + HELLO + "}", GOOD, "x-mock-fault", "drop-after=2"),
                    info -> HttpResponse.BodySubscribers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
                        @Override
                        public void onSubscribe(Flow.Subscription subscription) {
                            subscription.request(Long.MAX_VALUE);
                        }

                        @Override
                        public void onNext(List<ByteBuffer> buffers) {
                            buffers.forEach(decoder::feed);
                        }

                        @Override
                        public void onError(Throwable failure) {
                            end.complete(failure);
                        }

                        @Override
                        public void onComplete() {
                            end.complete(null);
                        }
                    }));
        } catch (IOException e) {
            // the subscriber saw it too
        }
        assertThat(end.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(cut.stream().map(BedrockApiTest::type).toList())
                .containsExactly("messageStart", "contentBlockDelta", "contentBlockDelta");
        assertThat(get("/_mock/stats").path("by_model").path(MODEL).asInt()).isGreaterThanOrEqualTo(3);
    }
}
