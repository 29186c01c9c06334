package io.nexusai.admin.service;

import io.nexusai.admin.validation.Name;
import io.nexusai.admin.validation.Rules;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The declarative configuration of {@code POST /admin/v1/apply}: the product README's provider list, in YAML or
 * JSON. The whole file is the desired state of providers and their routes. Its rules are those of the REST bodies
 * ({@code Requests}) for the same fields.
 */
public record ApplySpec(@NotNull @Size(max = 1000) List<@NotNull @Valid ProviderSpec> providers) {

    /** {@code api_key} values that mean "keep the stored key" (the README's example writes {@code ******}). */
    public static boolean isPlaceholder(String apiKey) {
        return apiKey == null || apiKey.isEmpty() || apiKey.chars().allMatch(c -> c == '*');
    }

    /** One provider and the models (routes) it serves. */
    public record ProviderSpec(
            @NotNull @Name @Size(max = 100) String name,
            @NotBlank @Size(max = 2048) @Pattern(regexp = Rules.HTTP_URL, message = Rules.HTTP_URL_MESSAGE) String endpoint,
            @Size(max = 4096) String apiKey,
            @Size(max = 128) String awsAccessKeyId,
            @Size(max = 4096) String awsSecretAccessKey,
            @Size(max = 8192) String awsSessionToken,
            @Pattern(regexp = Rules.KIND, message = Rules.KIND_MESSAGE) String kind,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 64) String region,
            Boolean isActive,
            @Size(max = 50) Map<@Size(max = 64) String, @NotNull @Size(max = 512) String> settings,
            @Size(max = 1000) List<@NotNull @Valid ModelSpec> models) {
    }

    /** One model alias served by the provider: a route. */
    public record ModelSpec(
            @NotBlank @Pattern(regexp = Rules.MODEL_NAME, message = Rules.MODEL_NAME_MESSAGE) String alias,
            @NotBlank @Pattern(regexp = Rules.MODEL_NAME, message = Rules.MODEL_NAME_MESSAGE) String realName,
            @PositiveOrZero @Max(100_000_000) Integer rateLimit,
            @Size(max = 50) Map<@Size(min = 1, max = 64) String, @NotNull @PositiveOrZero @Max(1_000_000) Integer> regionWeights,
            @PositiveOrZero @Max(1_000_000) Integer weight,
            @DecimalMin("0") @DecimalMax("1000") @Digits(integer = 6, fraction = 6) BigDecimal costMultiplier,
            @Min(1) @Max(10) Integer priority,
            Boolean isActive) {
    }
}
