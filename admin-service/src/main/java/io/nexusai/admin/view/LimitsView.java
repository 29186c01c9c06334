package io.nexusai.admin.view;

import io.nexusai.admin.repository.Limits;

import java.math.BigDecimal;

/** Limits as the admin API shows and takes them; {@code null} = no limit. */
public record LimitsView(Integer rpmLimit, Integer tpmLimit, Long dailyTokenQuota, Long monthlyTokenQuota,
                         BigDecimal dailyCostBudget, BigDecimal monthlyCostBudget) {

    public static LimitsView of(Limits l) {
        return l == null ? new LimitsView(null, null, null, null, null, null)
                : new LimitsView(l.rpmLimit, l.tpmLimit, l.dailyTokenQuota, l.monthlyTokenQuota, l.dailyCostBudget, l.monthlyCostBudget);
    }
}
