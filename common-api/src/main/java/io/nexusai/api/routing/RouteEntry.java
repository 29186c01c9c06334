package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * Everything the gateway needs to serve one alias: its active deployments.
 *
 * @param alias       the model name clients use
 * @param created     when the alias got its first route (epoch seconds), shown as {@code created} by {@code /v1/models}
 * @param deployments its active deployments
 * @param policy      selection strategy, failover and timeouts ({@link AliasPolicy#DEFAULT} when not configured)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RouteEntry(String alias, long created, List<Deployment> deployments, AliasPolicy policy) {
    public RouteEntry {
        deployments = List.copyOf(deployments);
        policy = policy == null ? AliasPolicy.DEFAULT : policy;
    }
}
