package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.auth.Principal;
import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ParsedRequest;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.snapshot.RouteSnapshotStore;
import io.nexusai.gateway.snapshot.RouteTable;

/** Step 3, model resolution: the alias the client asked for, from the in-memory route table. */
public final class ResolveModelStage implements Stage {
    private final RouteSnapshotStore routes;

    public ResolveModelStage(RouteSnapshotStore routes) {
        this.routes = routes;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        RouteTable table = routes.table();
        if (table == null) {
            throw ApiException.unavailable("The gateway has not loaded its routes yet; retry shortly.");
        }
        String alias = ctx.get(ParsedRequest.class).model();
        RouteTable.Route route = table.route(alias);
        if (route == null) {
            throw ApiException.modelNotFound(alias);
        }
        if (!ctx.get(Principal.class).mayUse(alias)) {
            throw ApiException.forbidden("This API key may not use the model `" + alias + "`.", "model_not_allowed");
        }
        ctx.attach(RouteTable.Route.class, route);
        ctx.proceed();
    }
}
