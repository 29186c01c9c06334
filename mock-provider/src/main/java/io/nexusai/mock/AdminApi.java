package io.nexusai.mock;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;

/**
 * The mock's own API, for tests:
 * <ul>
 *     <li>{@code GET /_mock/requests}, {@code DELETE /_mock/requests}: the request journal;</li>
 *     <li>{@code GET /_mock/stats}, {@code DELETE /_mock/stats}: request and stream counters;</li>
 *     <li>{@code POST /_mock/faults} (201 with the stored rule), {@code GET /_mock/faults},
 *     {@code DELETE /_mock/faults} (all, 204), {@code DELETE /_mock/faults/{id}} (204, or 404): per-model fault
 *     rules ({@link FaultRules}).</li>
 * </ul>
 * Its errors are {@code {"error":"<message>"}}.
 */
final class AdminApi {
    private final MockState mock;

    AdminApi(MockState mock) {
        this.mock = mock;
    }

    void register(Router router) {
        router.get("/_mock/requests").handler(ctx -> Json.send(ctx.response(), 200, mock.journal().snapshot()));
        router.delete("/_mock/requests").handler(ctx -> {
            mock.journal().clear();
            noContent(ctx);
        });
        router.get("/_mock/stats").handler(ctx -> Json.send(ctx.response(), 200, mock.stats().toJson()));
        router.delete("/_mock/stats").handler(ctx -> {
            mock.stats().reset();
            noContent(ctx);
        });
        router.post("/_mock/faults").handler(this::addRule);
        router.get("/_mock/faults").handler(ctx -> Json.send(ctx.response(), 200, mock.rules().list()));
        router.delete("/_mock/faults").handler(ctx -> {
            mock.rules().clear();
            noContent(ctx);
        });
        router.delete("/_mock/faults/:id").handler(this::removeRule);
    }

    private void addRule(RoutingContext ctx) {
        Buffer raw = ctx.body().buffer();
        try {
            JsonNode spec = Json.MAPPER.readTree(raw == null ? new byte[0] : raw.getBytes());
            Json.send(ctx.response(), 201, mock.rules().add(spec));
        } catch (IOException e) {
            error(ctx, 400, "the body must be a JSON fault rule");
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
        }
    }

    private void removeRule(RoutingContext ctx) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            error(ctx, 404, "no fault rule " + ctx.pathParam("id"));
            return;
        }
        if (mock.rules().remove(id)) {
            noContent(ctx);
        } else {
            error(ctx, 404, "no fault rule " + id);
        }
    }

    private static void noContent(RoutingContext ctx) {
        ctx.response().setStatusCode(204).end();
    }

    private static void error(RoutingContext ctx, int status, String message) {
        Json.send(ctx.response(), status, Json.object().put("error", message));
    }
}
