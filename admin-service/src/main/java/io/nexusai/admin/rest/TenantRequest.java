package io.nexusai.admin.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/** Body of {@code POST /admin/v1/tenants}. */
public record TenantRequest(
        @NotBlank @Pattern(regexp = Validation.TENANT_ID, message = "must be a lower-case slug of letters, digits and -, at most 63 characters") String id,
        @NotBlank @Size(max = 200) String name,
        @Size(max = 1000) List<@NotNull @Pattern(regexp = Validation.MODEL_NAME, message = "must be a model alias") String> allowedModels) {
}
