package io.nexusai.gateway.pipeline;

import io.nexusai.api.RequestIds;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** An ordered list of stages for one endpoint; starts a {@link ProxyContext} per request. */
public final class Pipeline {
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    public void handle(RoutingContext http) {
        new ProxyContext(http, stages, RequestIds.generate(), RequestIds.sanitize(http.request().getHeader(RequestIds.HEADER))).proceed();
    }
}
