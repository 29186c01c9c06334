package io.nexusai.admin.rest;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.util.Map;

/** Body of {@code POST /admin/v1/routes}: one deployment of an alias. */
public record RouteRequest(
        @NotBlank @Pattern(regexp = Validation.MODEL_NAME, message = "must be a model name of letters, digits and ._:/@+-") String modelAlias,
        @NotNull Long providerId,
        @NotBlank @Pattern(regexp = Validation.MODEL_NAME, message = "must be a model name of letters, digits and ._:/@+-") String realModelName,
        @DecimalMin("0") @DecimalMax("1000") BigDecimal costMultiplier,
        @PositiveOrZero @Max(1_000_000) Integer weight,
        @PositiveOrZero @Max(100_000_000) Integer rateLimit,
        @Size(max = 50) Map<@Size(min = 1, max = 64) String, @NotNull @PositiveOrZero @Max(1_000_000) Integer> regionWeights,
        @Min(1) @Max(10) Integer priority,
        Boolean isActive) {
}
