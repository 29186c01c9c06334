package io.nexusai.admin.rest;

import io.nexusai.admin.service.PriceService;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.PriceView;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/** {@code /admin/v1/prices}: prices per real model and 1M tokens (defaults for common models are preloaded). */
@Path("/admin/v1/prices")
@Produces(MediaType.APPLICATION_JSON)
public class PriceResource {
    private final PriceService prices;
    private final AdminIdentity identity;

    public PriceResource(PriceService prices, AdminIdentity identity) {
        this.prices = prices;
        this.identity = identity;
    }

    @GET
    public Uni<List<PriceView>> list() {
        return prices.list().map(l -> l.stream().map(PriceView::of).toList());
    }

    @GET
    @Path("/{model: .+}")
    public Uni<PriceView> get(@PathParam("model") String model) {
        return prices.get(model).map(PriceView::of);
    }

    /**
     * Creates or replaces a model's price. The cache rates are optional; omitted, the model has none and its cached
     * (or cache-write) input tokens cost the input rate.
     */
    @PUT
    @Path("/{model: .+}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<PriceView> put(@PathParam("model") String model, @Valid @NotNull Requests.Price body) {
        if (!model.matches(Rules.MODEL_NAME)) {
            throw ApiException.badRequest("The model name " + Rules.MODEL_NAME_MESSAGE + ".", "model");
        }
        return prices.put(identity.actor(), model, body.inputPerMillion(), body.outputPerMillion(), body.currency(),
                body.cachedInputPerMillion(), body.cacheWritePerMillion()).map(PriceView::of);
    }

    @DELETE
    @Path("/{model: .+}")
    public Uni<RestResponse<Void>> delete(@PathParam("model") String model) {
        return prices.delete(identity.actor(), model).map(v -> RestResponse.noContent());
    }
}
