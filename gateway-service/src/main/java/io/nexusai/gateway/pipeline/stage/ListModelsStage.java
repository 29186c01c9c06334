package io.nexusai.gateway.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the aliases the calling key may use, as OpenAI
 * model objects. An alias the key may not use does not exist for it (404).
 */
public final class ListModelsStage implements Stage {
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
        String path = ctx.http().request().path();
        ObjectNode body;
        if (path.startsWith(PREFIX) && path.length() > PREFIX.length()) {
            String id = URLDecoder.decode(path.substring(PREFIX.length()), StandardCharsets.UTF_8);
            RouteTable.Route route = table.route(id);
            if (route == null || !principal.mayUse(id)) {
                throw ApiException.modelNotFound(id);
            }
            body = model(route);
        } else {
            body = mapper.createObjectNode();
            body.put("object", "list");
            ArrayNode data = body.putArray("data");
            List<RouteTable.Route> visible = table.routes().stream()
                    .filter(r -> principal.mayUse(r.alias()))
                    .sorted(Comparator.comparing(RouteTable.Route::alias))
                    .toList();
            visible.forEach(r -> data.add(model(r)));
        }
        try {
            ctx.responseHeaders().set("Content-Type", "application/json");
            ctx.response(200, Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ctx.respond();
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
