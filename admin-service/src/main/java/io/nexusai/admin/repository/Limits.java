package io.nexusai.admin.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

import java.math.BigDecimal;

/** Rate limits, token quotas and cost budgets of a tenant or a key; {@code null} = no limit. */
@Embeddable
public class Limits {
    @Column(name = "rpm_limit")
    public Integer rpmLimit;

    @Column(name = "tpm_limit")
    public Integer tpmLimit;

    @Column(name = "daily_token_quota")
    public Long dailyTokenQuota;

    @Column(name = "monthly_token_quota")
    public Long monthlyTokenQuota;

    @Column(name = "daily_cost_budget", precision = 20, scale = 6)
    public BigDecimal dailyCostBudget;

    @Column(name = "monthly_cost_budget", precision = 20, scale = 6)
    public BigDecimal monthlyCostBudget;
}
