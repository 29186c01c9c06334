package io.nexusai.gateway.pipeline;

import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;

/** Which alias route and which deployment of it serve this request (attachment of the select stage). */
public record Selection(RouteTable.Route route, Target target) {
}
