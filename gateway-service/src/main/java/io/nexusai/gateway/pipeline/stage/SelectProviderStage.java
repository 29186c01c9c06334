package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.routing.HealthRegistry;
import io.nexusai.gateway.routing.Selector;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Step 4, provider selection: the alias's targets in the order to try them, by its strategy (weighted or
 * latency-aware), priority tiers and the targets' health ({@link Selector}).
 */
public final class SelectProviderStage implements Stage {
    private final HealthRegistry health;

    public SelectProviderStage(HealthRegistry health) {
        this.health = health;
    }

    @Override
    public void onRequest(ProxyContext ctx) {
        RouteTable.Route route = ctx.get(RouteTable.Route.class);
        List<Target> candidates = Selector.order(route, health, ThreadLocalRandom.current());
        if (candidates.isEmpty()) {
            throw ApiException.unavailable("No deployment of `" + route.alias() + "` can take requests right now.");
        }
        ctx.attach(Selection.class, new Selection(route, candidates));
        ctx.proceed();
    }
}
