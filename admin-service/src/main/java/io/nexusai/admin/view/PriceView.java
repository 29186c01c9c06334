package io.nexusai.admin.view;

import io.nexusai.admin.repository.ModelPrice;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** A model price per 1M tokens. */
public record PriceView(String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion, String currency,
                        OffsetDateTime updatedAt) {

    public static PriceView of(ModelPrice p) {
        return new PriceView(p.model, p.inputPerMillion, p.outputPerMillion, p.currency, p.updatedAt);
    }
}
