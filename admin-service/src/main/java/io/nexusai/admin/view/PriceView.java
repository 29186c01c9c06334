package io.nexusai.admin.view;

import io.nexusai.admin.repository.ModelPrice;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/**
 * A model price per 1M tokens. {@code cachedInputPerMillion} and {@code cacheWritePerMillion} are {@code null} when
 * the model has no such rate: those tokens are billed at {@code inputPerMillion}.
 */
public record PriceView(String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion, String currency,
                        OffsetDateTime updatedAt, BigDecimal cachedInputPerMillion, BigDecimal cacheWritePerMillion) {

    public static PriceView of(ModelPrice p) {
        return new PriceView(p.model, p.inputPerMillion, p.outputPerMillion, p.currency, p.updatedAt, p.cachedInputPerMillion,
                p.cacheWritePerMillion);
    }
}
