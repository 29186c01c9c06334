package io.nexusai.admin.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * What the console shows from the other services, read with the signed-in user's admin key: the provider health
 * matrix (routing-service) and usage and cost (metering-service). A page still renders when one is down: its
 * answer is then null, and the page says the data is unavailable.
 */
@ApplicationScoped
public class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterRestClient(configKey = "routing-service")
    @Path("/admin/v1/providers/health")
    interface RoutingApi {
        @GET
        Uni<JsonNode> health(@HeaderParam("Authorization") String authorization);
    }

    @RegisterRestClient(configKey = "metering-service")
    @Path("/v1/usage")
    interface MeteringApi {
        @GET
        Uni<JsonNode> usage(@HeaderParam("Authorization") String authorization, @QueryParam("tenant_id") String tenant,
                            @QueryParam("model") String model, @QueryParam("provider") String provider,
                            @QueryParam("start") String start, @QueryParam("end") String end, @QueryParam("group_by") String groupBy);

        @GET
        @Path("/allocation")
        Uni<JsonNode> allocation(@HeaderParam("Authorization") String authorization, @QueryParam("start") String start,
                                 @QueryParam("end") String end);
    }

    private final RoutingApi routing;
    private final MeteringApi metering;

    public Backends(@RestClient RoutingApi routing, @RestClient MeteringApi metering) {
        this.routing = routing;
        this.metering = metering;
    }

    /** The provider health matrix, or null when routing-service cannot say. */
    public Uni<JsonNode> health(String adminKey) {
        return guard(routing.health(bearer(adminKey)), "routing-service (provider health)");
    }

    /** Usage totals (and buckets per {@code groupBy}), or null when metering-service cannot say. */
    public Uni<JsonNode> usage(String adminKey, String tenant, String model, String provider, String start, String end, String groupBy) {
        return guard(metering.usage(bearer(adminKey), tenant, model, provider, start, end, groupBy), "metering-service (usage)");
    }

    /** The cost allocation (tenant × alias), or null when metering-service cannot say. */
    public Uni<JsonNode> allocation(String adminKey, String start, String end) {
        return guard(metering.allocation(bearer(adminKey), start, end), "metering-service (allocation)");
    }

    private static String bearer(String adminKey) {
        return "Bearer " + adminKey;
    }

    private static Uni<JsonNode> guard(Uni<JsonNode> call, String what) {
        return call.ifNoItem().after(WAIT).fail().onFailure().recoverWithItem(f -> {
            // the failure's type only: a client exception's text may quote the request
            LOG.warnf("console: reading %s failed (%s)", what, f.getClass().getSimpleName());
            return null;
        });
    }
}
