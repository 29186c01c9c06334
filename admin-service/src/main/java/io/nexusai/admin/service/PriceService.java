package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelPrice;
import io.nexusai.admin.repository.ModelPriceRepository;
import io.nexusai.admin.view.PriceView;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.util.List;

/** Prices per real model and 1M tokens (defaults for common models come with the schema). */
@ApplicationScoped
public class PriceService {
    private final ModelPriceRepository prices;
    private final ConfigWriter writer;

    public PriceService(ModelPriceRepository prices, ConfigWriter writer) {
        this.prices = prices;
        this.writer = writer;
    }

    /**
     * Creates or replaces the price of a model; a {@code null} cache rate (omitted) means the model has none and
     * its cached or cache-write tokens cost the input rate.
     */
    public Uni<ModelPrice> put(Actor actor, String model, BigDecimal input, BigDecimal output, String currency,
                               BigDecimal cachedInput, BigDecimal cacheWrite) {
        return writer.write(actor, () -> putInTx(model, input, output, currency, cachedInput, cacheWrite));
    }

    Uni<Outcome<ModelPrice>> putInTx(String model, BigDecimal input, BigDecimal output, String currency,
                                     BigDecimal cachedInput, BigDecimal cacheWrite) {
        return prices.findById(model).flatMap(existing -> {
            PriceView before = existing == null ? null : PriceView.of(existing);
            ModelPrice p = existing == null ? new ModelPrice() : existing;
            p.model = model;
            p.inputPerMillion = input;
            p.outputPerMillion = output;
            p.cachedInputPerMillion = cachedInput;
            p.cacheWritePerMillion = cacheWrite;
            p.currency = currency == null ? "USD" : currency;
            Uni<ModelPrice> saved = existing == null ? prices.persist(p) : prices.flush().replaceWith(p);
            return saved.map(s -> Outcome.of(s)
                    .change(ConfigChange.Kind.PRICES, model, null)
                    .audit(existing == null ? "create" : "update", "price", model, before, PriceView.of(s)));
        });
    }

    public Uni<Void> delete(Actor actor, String model) {
        return writer.write(actor, () -> prices.findById(model).flatMap(p -> {
            if (p == null) {
                return Uni.createFrom().failure(notFound(model));
            }
            PriceView before = PriceView.of(p);
            return prices.delete(p).map(v -> Outcome.<Void>of(null)
                    .change(ConfigChange.Kind.PRICES, model, null)
                    .audit("delete", "price", model, before, null));
        })).replaceWithVoid();
    }

    @WithSession
    public Uni<List<ModelPrice>> list() {
        return prices.listAll(Sort.by("model"));
    }

    @WithSession
    public Uni<ModelPrice> get(String model) {
        return prices.findById(model).onItem().ifNull().failWith(() -> notFound(model));
    }

    static ApiException notFound(String model) {
        return ApiException.notFound("No price for model '" + model + "'.", "price_not_found");
    }
}
