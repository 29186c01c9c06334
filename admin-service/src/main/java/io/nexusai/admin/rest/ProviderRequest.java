package io.nexusai.admin.rest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.Map;

/** Body of {@code POST /admin/v1/providers}. {@code api_key} is write-only. */
public record ProviderRequest(
        @NotBlank @Size(max = 100) String name,
        @Pattern(regexp = "openai|azure|anthropic", message = "must be one of openai, azure, anthropic") String kind,
        @NotBlank @Size(max = 2048) @Pattern(regexp = Validation.HTTP_URL, message = "must be an http(s) URL") String endpoint,
        @NotBlank @Size(max = 4096) String apiKey,
        @PositiveOrZero @Max(1_000_000) Integer weight,
        @PositiveOrZero @Max(100_000_000) Integer rateLimit,
        @Size(max = 64) String region,
        Boolean isActive,
        Map<@Size(max = 64) String, @Size(max = 512) String> settings) {
}
