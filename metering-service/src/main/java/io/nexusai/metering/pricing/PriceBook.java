package io.nexusai.metering.pricing;

import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.api.pricing.TokenPrices;
import io.nexusai.metering.config.MeteringConfig;
import io.nexusai.service.events.ConfigResync;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Prices per real model (per 1M tokens) from the control-plane {@code model_prices} table, kept in memory and
 * reloaded on price-change events and periodically. Cost arithmetic is exact ({@link BigDecimal}).
 */
@ApplicationScoped
public class PriceBook {
    private static final Logger LOG = Logger.getLogger(PriceBook.class);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** A model's rates per 1M tokens (cache rates already fallen back to the input rate) and their currency. */
    public record Price(TokenPrices rates, String currency) {
    }

    /** A priced request: the cost, its currency, and whether a price was known at all. */
    public record Cost(BigDecimal amount, String currency, boolean priced) {
    }

    private final Pool pool;
    private final Vertx vertx;
    private final MeteringConfig config;
    private volatile Map<String, Price> prices = Map.of();
    private volatile boolean loaded;

    public PriceBook(Pool pool, Vertx vertx, MeteringConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        reload().await().indefinitely();
        vertx.setPeriodic(config.priceRefresh().toMillis(), id -> reload().subscribe().with(v -> { }, f -> { }));
    }

    void onChange(@Observes ConfigChange change) {
        if (change.kind() == ConfigChange.Kind.PRICES) {
            reload().subscribe().with(v -> { }, f -> { });
        }
    }

    void onResync(@Observes ConfigResync resync) {
        reload().subscribe().with(v -> { }, f -> { });
    }

    public Uni<Void> reload() {
        return pool.query("SELECT model, input_per_million, output_per_million, cached_input_per_million,"
                        + " cache_write_per_million, currency FROM public.model_prices").execute()
                .map(rows -> {
                    Map<String, Price> next = new HashMap<>();
                    for (Row row : rows) {
                        next.put(row.getString("model"), new Price(new TokenPrices(row.getBigDecimal("input_per_million"),
                                row.getBigDecimal("cached_input_per_million"), row.getBigDecimal("cache_write_per_million"),
                                row.getBigDecimal("output_per_million")), row.getString("currency")));
                    }
                    prices = Map.copyOf(next);
                    loaded = true;
                    return next.size();
                })
                .onFailure().invoke(e -> LOG.warnf("prices not reloaded: %s", e.getMessage()))
                .onFailure().recoverWithItem(0)
                .replaceWithVoid();
    }

    /**
     * Whether prices have been read at least once. The stream consumer waits for this: an event priced
     * against an empty book would be stored with cost 0 for good.
     */
    public boolean loaded() {
        return loaded;
    }

    /** The cost of a usage event: its tokens, cache reads and writes at their own rates, and its multiplier. */
    public Cost cost(UsageEvent e) {
        return cost(e.realModel(), e.promptTokens(), e.cachedTokens(), e.cacheWriteTokens(), e.completionTokens(),
                e.costMultiplier());
    }

    /** Tokens without cache reads or writes. */
    public Cost cost(String realModel, long promptTokens, long completionTokens, BigDecimal multiplier) {
        return cost(realModel, promptTokens, 0, 0, completionTokens, multiplier);
    }

    /**
     * {@link TokenPrices#perMillionSum} / 1M × multiplier, exact (uncached prompt × input + cached × cached input +
     * cache writes × cache write + completion × output); zero and unpriced for unknown models.
     */
    public Cost cost(String realModel, long promptTokens, long cachedTokens, long cacheWriteTokens, long completionTokens,
                     BigDecimal multiplier) {
        Price price = realModel == null ? null : prices.get(realModel);
        if (price == null) {
            return new Cost(BigDecimal.ZERO, "USD", false);
        }
        BigDecimal amount = price.rates().perMillionSum(promptTokens, cachedTokens, cacheWriteTokens, completionTokens)
                .divide(MILLION, MathContext.UNLIMITED)
                .multiply(multiplier == null ? BigDecimal.ONE : multiplier);
        return new Cost(amount, price.currency(), true);
    }
}
