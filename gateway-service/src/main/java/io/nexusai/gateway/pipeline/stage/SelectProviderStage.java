package io.nexusai.gateway.pipeline.stage;

import io.nexusai.api.openai.ApiException;
import io.nexusai.gateway.pipeline.ProxyContext;
import io.nexusai.gateway.pipeline.Selection;
import io.nexusai.gateway.pipeline.Stage;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Step 4, provider selection: weighted random over the deployments of the first priority tier that has any
 * weight.
 */
public final class SelectProviderStage implements Stage {

    @Override
    public void onRequest(ProxyContext ctx) {
        RouteTable.Route route = ctx.get(RouteTable.Route.class);
        Target target = pick(route.targets());
        if (target == null) {
            throw ApiException.unavailable("No deployment of `" + route.alias() + "` can take requests right now.");
        }
        ctx.attach(Selection.class, new Selection(route, target));
        ctx.proceed();
    }

    static Target pick(List<Target> targets) {
        int tier = Integer.MAX_VALUE;
        for (Target t : targets) {
            if (t.deployment().weight() > 0) {
                tier = Math.min(tier, t.deployment().priority());
            }
        }
        long total = 0;
        for (Target t : targets) {
            if (t.deployment().priority() == tier) {
                total += t.deployment().weight();
            }
        }
        if (total <= 0) {
            return null;
        }
        long point = ThreadLocalRandom.current().nextLong(total);
        for (Target t : targets) {
            if (t.deployment().priority() == tier) {
                point -= t.deployment().weight();
                if (point < 0) {
                    return t;
                }
            }
        }
        return null;
    }
}
