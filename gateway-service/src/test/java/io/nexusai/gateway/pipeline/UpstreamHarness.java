package io.nexusai.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.gateway.pipeline.stage.NormaliseStage;
import io.nexusai.gateway.pipeline.stage.UpstreamStage;
import io.nexusai.gateway.provider.Translators;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import io.nexusai.gateway.upstream.Failover;
import io.nexusai.gateway.upstream.UpstreamClient;
import io.nexusai.gateway.usage.GatewayMetrics;
import io.nexusai.gateway.usage.TokenEstimator;
import io.nexusai.mock.MockProviderServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's upstream stages (normalise, call upstream with failover) on the real Vert.x routes of a server of
 * their own, against an in-process mock provider: what the provider received, what the client got, and what the
 * gateway still holds afterwards. Authentication, model resolution and selection are replaced by one fixture
 * stage that attaches the parsed request and the alias's targets in the order they are declared.
 */
final class UpstreamHarness implements AutoCloseable {
    static final String MOCK_KEY = "sk-harness-provider-key";
    private static final EnvelopeCipher CIPHER = new EnvelopeCipher("upstream-harness-master-secret-0123456789", Duration.ofHours(1));

    final Vertx vertx;
    final MockProviderServer mock;
    /** Largest body the harness's pipeline reads, and the bytes of bodies it holds at once. */
    static final int MAX_BODY = 32 * 1024;
    static final int BODY_BUDGET = 64 * 1024;
    final InFlight inFlight = new InFlight(1000, BODY_BUDGET, new SimpleMeterRegistry());
    private final UpstreamClient upstream;
    private final ObjectMapper mapper;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, RouteEntry> routes = new LinkedHashMap<>();
    private volatile RouteTable table;
    private long nextId = 1;

    UpstreamHarness(Vertx vertx, UpstreamClient upstream, Failover.Services services, TokenEstimator estimator, ObjectMapper mapper)
            throws Exception {
        this.vertx = vertx;
        this.upstream = upstream;
        this.mapper = mapper;
        this.mock = new MockProviderServer(vertx, MOCK_KEY).start("127.0.0.1", 0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        Stage fixture = new Stage() {
            @Override
            public void onRequest(ProxyContext ctx) {
                ObjectNode body;
                try {
                    body = (ObjectNode) mapper.readTree(ctx.body().getBytes());
                } catch (IOException e) {
                    throw ApiException.badRequest("bad json", null);
                }
                ParsedRequest parsed = Endpoint.CHAT.parse(body);
                RouteTable.Route route = table.route(parsed.model());
                ctx.attach(ParsedRequest.class, parsed);
                ctx.attach(RouteTable.Route.class, route);
                ctx.attach(Selection.class, new Selection(route, route.targets()));
                ctx.proceed();
            }
        };
        Pipeline pipeline = new Pipeline(List.of(fixture, new NormaliseStage(mapper), new UpstreamStage(upstream, services, estimator)),
                false, inFlight, MAX_BODY, null);
        Router router = Router.router(vertx);
        router.post("/v1/chat/completions").handler(pipeline::handle);
        this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A harness on the beans of the running Quarkus test application (its upstream client, breakers, metrics). */
    static UpstreamHarness ofApplication() throws Exception {
        io.quarkus.arc.ArcContainer beans = io.quarkus.arc.Arc.container();
        ObjectMapper mapper = beans.instance(ObjectMapper.class).get();
        Failover.Services services = new Failover.Services(beans.instance(Translators.class).get(),
                beans.instance(HealthRegistry.class).get(), mapper, beans.instance(GatewayMetrics.class).get());
        return new UpstreamHarness(beans.instance(Vertx.class).get(), beans.instance(UpstreamClient.class).get(), services,
                beans.instance(TokenEstimator.class).get(), mapper);
    }

    /** A deployment on the mock provider serving {@code realModel}. */
    Deployment onMock(String realModel) {
        return deployment("http://127.0.0.1:" + mock.port() + "/v1", realModel);
    }

    /** A deployment at an address where nothing listens. */
    Deployment nowhere(int deadPort) {
        return deployment("http://127.0.0.1:" + deadPort + "/v1", "gpt-4o-mini");
    }

    private Deployment deployment(String endpoint, String realModel) {
        long id = nextId++;
        return new Deployment(id, id, "p" + id, ProviderKind.OPENAI, endpoint, CIPHER.encrypt(MOCK_KEY), realModel, 1, 0, null,
                Map.of(), 1, BigDecimal.ONE, Map.of(), null);
    }

    /** Declares {@code alias} with its policy and deployments, tried in this order. */
    void alias(String alias, AliasPolicy policy, Deployment... deployments) {
        routes.put(alias, new RouteEntry(alias, 0, List.of(deployments), policy));
        table = RouteTable.compile(new RouteSnapshot(routes.size(), Instant.now(), routes), CIPHER);
    }

    /** The {@code i}-th compiled target of {@code alias} in the table the harness serves now. */
    Target target(String alias, int i) {
        return table.route(alias).targets().get(i);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions");
    }

    int port() {
        return server.actualPort();
    }

    static String chat(String alias, String text, boolean stream, int maxTokens) {
        return "{\"model\":\"" + alias + "\",\"max_tokens\":" + maxTokens + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code data:} payloads of an SSE body, in order. */
    static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.startsWith("data: ")) {
                out.add(block.substring(6));
            }
        }
        return out;
    }

    JsonNode json(String text) throws IOException {
        return mapper.readTree(text);
    }

    /** A fault rule of the mock for one real model ({@code /_mock/faults}), e.g. {@code "status": 500}. */
    void fault(String realModel, String fields) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.port() + "/_mock/faults"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + realModel + "\"," + fields + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("fault rule refused: " + r.body());
        }
    }

    /** Drops every fault rule of the mock ({@code DELETE /_mock/faults}). */
    void clearFaults() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.port() + "/_mock/faults"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IllegalStateException("fault rules not cleared: " + r.statusCode());
        }
    }

    /** The mock's counters ({@code /_mock/stats}). */
    JsonNode mockStats() throws IOException, InterruptedException {
        return json(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.port() + "/_mock/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The requests the mock received ({@code /_mock/requests}). */
    JsonNode mockRequests() throws IOException, InterruptedException {
        return json(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.port() + "/_mock/requests")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Requests alive in the harness's pipeline. */
    int alive() {
        return inFlight.alive();
    }

    /** Timeouts still armed on the event loops (0 when nothing is in flight). */
    int armedDeadlines() {
        return upstream.armedDeadlines();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        mock.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
