package io.nexusai.api.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;

/**
 * Rate limits, token quotas and cost budgets of a tenant or a key; {@code null} = no limit.
 *
 * @param rpm               requests per minute
 * @param tpm               tokens per minute
 * @param dailyTokens       tokens per UTC day
 * @param monthlyTokens     tokens per UTC month
 * @param dailyCost         cost per UTC day (in the price table's currency)
 * @param monthlyCost       cost per UTC month
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Limits(Integer rpm, Integer tpm, Long dailyTokens, Long monthlyTokens, BigDecimal dailyCost, BigDecimal monthlyCost) {
    public static final Limits NONE = new Limits(null, null, null, null, null, null);

    public boolean isEmpty() {
        return rpm == null && tpm == null && dailyTokens == null && monthlyTokens == null && dailyCost == null && monthlyCost == null;
    }
}
