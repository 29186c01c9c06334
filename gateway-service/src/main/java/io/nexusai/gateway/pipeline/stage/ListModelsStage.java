package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.pipeline.wire.MessagesWire;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the aliases the calling key may use, as OpenAI
 * model objects — or, for a request carrying {@code anthropic-version} (Anthropic's clients send it on every call),
 * as Anthropic's ({@code {"type":"model","id","display_name","created_at"}} in a page with {@code has_more},
 * {@code first_id}, {@code last_id}), errors included ({@link #ANTHROPIC}, the first stage of the pipeline). An alias
 * the key may not use does not exist for it (404).
 */
public final class ListModelsStage implements Stage {
    /** Answers a request carrying {@code anthropic-version} in Anthropic's format, errors included: put it first. */
    public static final Stage ANTHROPIC = new Stage() {
        @Override
        public void onRequest(ProxyContext ctx) {
            if (ctx.http().request().getHeader("anthropic-version") != null) {
                ctx.wire(MessagesWire.INSTANCE);
            }
            ctx.proceed();
        }
    };

    private static final String PREFIX = "/v1/models/";
    private final RouteSnapshotStore routes;
    private final ObjectMapper mapper;

    public ListModelsStage(RouteSnapshotStore routes, ObjectMapper mapper) {
        this.routes = routes;
        this.mapper = mapper;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        RouteTable table = routes.table();
        if (table == null) {
            throw ApiException.unavailable("The gateway has not loaded its routes yet; retry shortly.");
        }
        Principal principal = ctx.get(Principal.class);
        boolean anthropic = ctx.wire() == MessagesWire.INSTANCE;
        String path = ctx.http().request().path();
        ObjectNode body;
        if (path.startsWith(PREFIX) && path.length() > PREFIX.length()) {
            String id = URLDecoder.decode(path.substring(PREFIX.length()), StandardCharsets.UTF_8);
            RouteTable.Route route = table.route(id);
            if (route == null || !principal.mayUse(id)) {
                throw ApiException.modelNotFound(id);
            }
            body = anthropic ? anthropicModel(route) : model(route);
        } else if (anthropic) {
            body = mapper.createObjectNode();
            ArrayNode data = body.putArray("data");
            visible(table, principal).forEach(r -> data.add(anthropicModel(r)));
            body.put("has_more", false);
            if (data.isEmpty()) {
                body.putNull("first_id");
                body.putNull("last_id");
            } else {
                body.put("first_id", data.get(0).path("id").asText());
                body.put("last_id", data.get(data.size() - 1).path("id").asText());
            }
        } else {
            body = mapper.createObjectNode();
            body.put("object", "list");
            ArrayNode data = body.putArray("data");
            visible(table, principal).forEach(r -> data.add(model(r)));
        }
        try {
            ctx.responseHeaders().set("Content-Type", "application/json");
            ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ctx.respond();
    }

    private static List<RouteTable.Route> visible(RouteTable table, Principal principal) {
        return table.routes().stream()
                .filter(r -> principal.mayUse(r.alias()))
                .sorted(Comparator.comparing(RouteTable.Route::alias))
                .toList();
    }

    private ObjectNode anthropicModel(RouteTable.Route route) {
        ObjectNode m = mapper.createObjectNode();
        m.put("type", "model");
        m.put("id", route.alias());
        m.put("display_name", route.alias());
        m.put("created_at", Instant.ofEpochSecond(route.created()).toString());
        return m;
    }

    private ObjectNode model(RouteTable.Route route) {
        ObjectNode m = mapper.createObjectNode();
        m.put("id", route.alias());
        m.put("object", "model");
        m.put("created", route.created());
        m.put("owned_by", "nexusai");
        return m;
    }
}
