package io.nexusai.admin.console;

import io.nexusai.admin.rest.AnomalyResource;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Anomalies page: the gateways' anomalous requests (auth failures, bad signatures, oversized and malformed requests,
 * rate spikes), newest first, filtered by type and tenant, 50 a page, with the totals per type. It reads them exactly as
 * {@code GET /admin/v1/anomalies} does (the same resource method: the same filters, checks and Redis reads).
 */
@Path("/console/anomalies")
public class AnomaliesPage {
    private static final int PAGE = 50;
    private final AnomalyResource anomalies;
    private final ConsoleUser user;

    public AnomaliesPage(AnomalyResource anomalies, ConsoleUser user) {
        this.anomalies = anomalies;
        this.user = user;
    }

    @GET
    public Uni<Response> page(@QueryParam("type") String type, @QueryParam("tenant") String tenant, @QueryParam("until") String until) {
        String t = Form.filter(type);
        String tn = Form.filter(tenant);
        String u = Form.filter(until);
        Frame frame = new Frame("anomalies", user.csrf(), null, null);
        return Uni.createFrom().deferred(() -> anomalies.list(t, tn, null, u, Integer.toString(PAGE)))
                .flatMap(page -> {
                    List<AnomalyResource.AnomalyView> data = page.data();
                    String older = page.hasMore() && !data.isEmpty()
                            ? query(t, tn, data.get(data.size() - 1).firstSeen().toString()) : null;
                    return Results.page(Pages.anomalies(frame, data, page.totals(), t, tn, older));
                })
                .onFailure(ApiException.class).recoverWithUni(e -> Results.page(Results.status(e),
                        Pages.anomalies(frame.withError(e.getMessage()), List.of(), java.util.Map.of(), t, tn, null)));
    }

    private static String query(String type, String tenant, String until) {
        StringBuilder q = new StringBuilder("until=").append(URLEncoder.encode(until, StandardCharsets.UTF_8));
        if (type != null) {
            q.append("&type=").append(URLEncoder.encode(type, StandardCharsets.UTF_8));
        }
        if (tenant != null) {
            q.append("&tenant=").append(URLEncoder.encode(tenant, StandardCharsets.UTF_8));
        }
        return q.toString();
    }

}
