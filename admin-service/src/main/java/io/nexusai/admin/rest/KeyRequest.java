package io.nexusai.admin.rest;

import jakarta.validation.constraints.Future;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.time.OffsetDateTime;
import java.util.List;

/** Body of {@code POST /admin/v1/tenants/{tenant}/keys}. */
public record KeyRequest(
        @NotBlank @Size(max = 200) String name,
        @Size(max = 1000) List<@NotNull @Pattern(regexp = Validation.MODEL_NAME, message = "must be a model alias") String> allowedModels,
        @Future OffsetDateTime expiresAt) {
}
