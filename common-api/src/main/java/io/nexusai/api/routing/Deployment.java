package io.nexusai.api.routing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.nexusai.api.pricing.TokenPrices;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One way to serve an alias: a provider, the real model name there, and how much traffic it should get.
 *
 * @param id               model route id (one row of {@code model_routes})
 * @param providerId       provider id
 * @param providerName     provider name, as in metrics and the {@code x-nexus-provider} header
 * @param providerKind     wire format of the provider
 * @param endpoint         base URL of the provider (for OpenAI-compatible ones, including {@code /v1})
 * @param apiKeyEnvelope   the provider API key, encrypted ({@code nxenc:v1:...}); decrypted only where used
 * @param realModel        model name sent upstream
 * @param weight           traffic weight among deployments of the same priority
 * @param rateLimit        requests per minute this deployment takes; 0 = unlimited
 * @param region           region of the deployment, if any
 * @param regionWeights    optional region → weight split of this deployment
 * @param priority         tier: 1 is tried first, higher only when lower tiers have no healthy deployment
 * @param costMultiplier   multiplies the price of the real model
 * @param settings         provider-specific options (e.g. Azure {@code api_version})
 * @param price            the real model's price per 1M tokens, or {@code null} when the price table has none
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Deployment(
        long id,
        long providerId,
        String providerName,
        ProviderKind providerKind,
        String endpoint,
        String apiKeyEnvelope,
        String realModel,
        int weight,
        int rateLimit,
        String region,
        Map<String, Integer> regionWeights,
        int priority,
        BigDecimal costMultiplier,
        Map<String, String> settings,
        Price price) {

    /**
     * Price per 1M tokens (currency of the price table), as metering charges it. The cache rates are {@code null}
     * when the price table has none (and in snapshots of routing-services that predate them): the input rate
     * applies, see {@link TokenPrices}.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, String currency,
                        BigDecimal cachedInputPerMillion, BigDecimal cacheWritePerMillion) {

        /** A price without cache rates. */
        public Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, String currency) {
            this(inputPerMillion, outputPerMillion, currency, null, null);
        }

        public TokenPrices rates() {
            return new TokenPrices(inputPerMillion, cachedInputPerMillion, cacheWritePerMillion, outputPerMillion);
        }
    }

    public Deployment {
        regionWeights = regionWeights == null ? Map.of() : Map.copyOf(regionWeights);
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    /** The same deployment served from one of its regions: another endpoint and region, everything else alike. */
    public Deployment inRegion(String inRegion, String regionEndpoint) {
        return new Deployment(id, providerId, providerName, providerKind, regionEndpoint, apiKeyEnvelope, realModel, weight, rateLimit,
                inRegion, regionWeights, priority, costMultiplier, settings, price);
    }
}
