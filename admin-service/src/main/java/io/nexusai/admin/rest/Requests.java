package io.nexusai.admin.rest;

import io.nexusai.admin.validation.EarlierThan;
import io.nexusai.admin.validation.Name;
import io.nexusai.admin.validation.Rules;
import io.nexusai.admin.view.LimitsView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Future;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static io.nexusai.admin.validation.Rules.HTTP_URL;
import static io.nexusai.admin.validation.Rules.MODEL_NAME;
import static io.nexusai.admin.validation.Rules.ORIGIN;
import static io.nexusai.admin.validation.Rules.ORIGIN_MESSAGE;
import static io.nexusai.admin.validation.Rules.MODEL_NAME_MESSAGE;
import static io.nexusai.admin.validation.Rules.TENANT_ID;

/**
 * Bodies the admin API accepts. Create bodies name their required fields; update (PATCH) bodies take any
 * subset, a missing or null field leaving the value as it is, and apply the same rules to what they set. Unknown
 * fields are refused. Decimals have a {@code @DecimalMax} besides {@code @Digits}: {@code @Digits} alone lets huge
 * exponents through (e.g. {@code 1e2147483648}: its integer-digit count overflows).
 */
public final class Requests {

    private Requests() {
    }

    /**
     * {@code POST /admin/v1/providers}. The secrets are write-only: {@code api_key}, or for kind {@code bedrock}
     * {@code aws_access_key_id} + {@code aws_secret_access_key} (+ {@code aws_session_token}), and a {@code region}.
     */
    public record NewProvider(
            @NotNull @Name @Size(max = 100) String name,
            @Pattern(regexp = Rules.KIND, message = Rules.KIND_MESSAGE) String kind,
            @NotBlank @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = Rules.HTTP_URL_MESSAGE) String endpoint,
            @Size(max = 4096) String apiKey,
            @Size(max = 128) String awsAccessKeyId,
            @Size(max = 4096) String awsSecretAccessKey,
            @Size(max = 8192) String awsSessionToken,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 64) String region,
            Boolean isActive,
            @Size(max = 50) Map<@Size(max = 64) String, @NotNull @Size(max = 512) String> settings) {
    }

    /**
     * {@code PATCH /admin/v1/providers/{id}}. A new {@code api_key} replaces the stored one; new AWS credentials
     * replace the stored ones as a whole (key id and secret together, the session token cleared unless given).
     */
    public record ProviderPatch(
            @Name @Size(max = 100) String name,
            @Pattern(regexp = Rules.KIND, message = Rules.KIND_MESSAGE) String kind,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = Rules.HTTP_URL_MESSAGE) String endpoint,
            @Size(min = 1, max = 4096) String apiKey,
            @Size(max = 128) String awsAccessKeyId,
            @Size(max = 4096) String awsSecretAccessKey,
            @Size(max = 8192) String awsSessionToken,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 64) String region,
            Boolean isActive,
            @Size(max = 50) Map<@Size(max = 64) String, @NotNull @Size(max = 512) String> settings) {
    }

    /** {@code POST /admin/v1/routes}: one deployment of an alias. */
    public record NewRoute(
            @NotBlank @Pattern(regexp = MODEL_NAME, message = MODEL_NAME_MESSAGE) String modelAlias,
            @NotNull Long providerId,
            @NotBlank @Pattern(regexp = MODEL_NAME, message = MODEL_NAME_MESSAGE) String realModelName,
            @DecimalMin("0") @DecimalMax("1000") @Digits(integer = 6, fraction = 6) BigDecimal costMultiplier,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 50) Map<@Size(min = 1, max = 64) String, @NotNull @PositiveOrZero @Max(1_000_000) Integer> regionWeights,
            @Min(1) @Max(10) Integer priority,
            Boolean isActive) {
    }

    /** {@code PATCH /admin/v1/routes/{id}}. */
    public record RoutePatch(
            @Pattern(regexp = MODEL_NAME, message = MODEL_NAME_MESSAGE) String modelAlias,
            Long providerId,
            @Pattern(regexp = MODEL_NAME, message = MODEL_NAME_MESSAGE) String realModelName,
            @DecimalMin("0") @DecimalMax("1000") @Digits(integer = 6, fraction = 6) BigDecimal costMultiplier,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 50) Map<@Size(min = 1, max = 64) String, @NotNull @PositiveOrZero @Max(1_000_000) Integer> regionWeights,
            @Min(1) @Max(10) Integer priority,
            Boolean isActive) {
    }

    /** Rate limits, token quotas and cost budgets; {@code null} = no limit. */
    public record Limits(
            @PositiveOrZero @Max(100_000_000) Integer rpmLimit,
            @PositiveOrZero @Max(2_000_000_000) Integer tpmLimit,
            @PositiveOrZero Long dailyTokenQuota,
            @PositiveOrZero Long monthlyTokenQuota,
            @DecimalMin("0") @DecimalMax(value = "1e14", inclusive = false) @Digits(integer = 14, fraction = 6)
            BigDecimal dailyCostBudget,
            @DecimalMin("0") @DecimalMax(value = "1e14", inclusive = false) @Digits(integer = 14, fraction = 6)
            BigDecimal monthlyCostBudget) {

        LimitsView view() {
            return new LimitsView(rpmLimit, tpmLimit, dailyTokenQuota, monthlyTokenQuota, dailyCostBudget, monthlyCostBudget);
        }

        static LimitsView viewOf(Limits limits) {
            return limits == null ? null : limits.view();
        }
    }

    /** {@code POST /admin/v1/tenants}. */
    public record NewTenant(
            @NotBlank @Pattern(regexp = TENANT_ID, message = "must be a lower-case slug of letters, digits and -, at most 63 characters") String id,
            @NotNull @Name @Size(max = 200) String name,
            @Size(max = 1000) List<@NotNull @Pattern(regexp = MODEL_NAME, message = "must be a model alias") String> allowedModels,
            @Size(max = 100) List<@NotNull @Pattern(regexp = ORIGIN, message = ORIGIN_MESSAGE) String> corsOrigins,
            @Valid Limits limits) {
    }

    /** {@code PATCH /admin/v1/tenants/{id}}. */
    public record TenantPatch(
            @Name @Size(max = 200) String name,
            @Size(max = 1000) List<@NotNull @Pattern(regexp = MODEL_NAME, message = "must be a model alias") String> allowedModels,
            @Size(max = 100) List<@NotNull @Pattern(regexp = ORIGIN, message = ORIGIN_MESSAGE) String> corsOrigins,
            Boolean isActive,
            @Valid Limits limits) {
    }

    /** {@code POST /admin/v1/tenants/{tenant}/keys}. {@code signed}: the key must sign its requests (HMAC). */
    public record NewKey(
            @NotNull @Name @Size(max = 200) String name,
            @Size(max = 1000) List<@NotNull @Pattern(regexp = MODEL_NAME, message = "must be a model alias") String> allowedModels,
            @Future @EarlierThan(Rules.LAST_INSTANT) OffsetDateTime expiresAt,
            @Valid Limits limits,
            Boolean signed) {
    }

    /** {@code POST /admin/v1/admin-keys}. */
    public record NewAdminKey(@NotNull @Name @Size(max = 200) String name,
                              @Future @EarlierThan(Rules.LAST_INSTANT) OffsetDateTime expiresAt) {
    }

    /** {@code PUT /admin/v1/prices/{model}}. */
    public record Price(
            @NotNull @DecimalMin("0") @DecimalMax(value = "1e10", inclusive = false) @Digits(integer = 10, fraction = 10)
            BigDecimal inputPerMillion,
            @NotNull @DecimalMin("0") @DecimalMax(value = "1e10", inclusive = false) @Digits(integer = 10, fraction = 10)
            BigDecimal outputPerMillion,
            @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as USD") String currency,
            @DecimalMin("0") @DecimalMax(value = "1e10", inclusive = false) @Digits(integer = 10, fraction = 10)
            BigDecimal cachedInputPerMillion,
            @DecimalMin("0") @DecimalMax(value = "1e10", inclusive = false) @Digits(integer = 10, fraction = 10)
            BigDecimal cacheWritePerMillion) {
    }

    /**
     * {@code PUT /admin/v1/aliases/{alias}}: the alias's whole serving policy; an omitted field takes its default
     * (weighted, 3 attempts, connect 5 s, first byte 120 s, idle 60 s, total 600 s).
     */
    public record AliasPolicy(
            @Pattern(regexp = "weighted|latency", message = "must be weighted or latency") String strategy,
            @Min(1) @Max(10) Integer maxAttempts,
            @Min(10) @Max(600_000) Integer connectTimeoutMs,
            @Min(10) @Max(3_600_000) Integer firstByteTimeoutMs,
            @Min(10) @Max(3_600_000) Integer idleTimeoutMs,
            @Min(10) @Max(7_200_000) Integer totalTimeoutMs) {
    }
}
