package io.nexusai.gateway.responses;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.Endpoint;
import io.nexusai.gateway.pipeline.InFlight;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.Pipeline;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.pipeline.stage.ResponsesQueryStage;
import io.nexusai.gateway.pipeline.stage.StoredResponsesStage;
import io.nexusai.gateway.pipeline.wire.ResponsesWire;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's stored-response stages on real Vert.x routes of a server of their own: {@code POST /v1/responses}
 * runs {@link StoredResponsesStage} (which resolves {@code previous_response_id}) and then answers with the input it
 * would send upstream; {@code GET}/{@code DELETE /v1/responses/{id}} run {@link ResponsesQueryStage}. Authentication
 * is one fixture stage: the caller's tenant is the {@code x-tenant} header.
 */
final class ResponsesHarness implements AutoCloseable {
    private static final int MAX_BODY = 64 * 1024;

    private final ObjectMapper mapper;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ResponsesHarness(Vertx vertx, ResponseStore store, ObjectMapper mapper) throws Exception {
        this.mapper = mapper;
        InFlight inFlight = new InFlight(100, 4L * MAX_BODY, new SimpleMeterRegistry());
        Stage authenticate = new Stage() {
            @Override
            public void onRequest(ProxyContext ctx) {
                String tenant = ctx.http().request().getHeader("x-tenant");
                ctx.attach(Principal.class, new Principal("key_" + tenant, KeyLevel.APP, tenant, null));
                ctx.proceed();
            }
        };
        Stage parse = new Stage() {
            @Override
            public void onRequest(ProxyContext ctx) {
                ObjectNode body;
                try {
                    body = (ObjectNode) mapper.readTree(ctx.body().getBytes());
                } catch (IOException | ClassCastException e) {
                    throw ApiException.badRequest("bad json", null);
                }
                ctx.attach(ParsedRequest.class, Endpoint.RESPONSES.parse(body));
                ctx.proceed();
            }
        };
        Stage upstreamInput = new Stage() {
            @Override
            public void onRequest(ProxyContext ctx) {
                ObjectNode answer = mapper.createObjectNode();
                answer.set("input", ctx.get(ParsedRequest.class).body().get("input"));
                ctx.responseHeaders().set("Content-Type", "application/json");
                try {
                    ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(answer)));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                ctx.respond();
            }
        };
        Pipeline create = new Pipeline(List.of(authenticate, parse, new StoredResponsesStage(store), upstreamInput), false, inFlight,
                MAX_BODY, null, ResponsesWire.INSTANCE);
        Pipeline query = new Pipeline(List.of(authenticate, new ResponsesQueryStage(store, mapper)), false, inFlight);
        Router router = Router.router(vertx);
        router.post("/v1/responses").handler(create::handle);
        router.get("/v1/responses/:id").handler(query::handle);
        router.delete("/v1/responses/:id").handler(query::handle);
        router.get("/v1/responses/:id/input_items").handler(query::handle);
        this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    HttpResponse<String> send(String tenant, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .header("x-tenant", tenant).timeout(Duration.ofSeconds(30));
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    ObjectNode json(HttpResponse<String> r) throws IOException {
        return (ObjectNode) mapper.readTree(r.body());
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
