package io.nexusai.admin.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nexusai.admin.service.ApplyService;
import io.nexusai.admin.service.ApplySpec;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.Set;

/**
 * {@code POST /admin/v1/apply}: declarative configuration in the product README's YAML format (a list of
 * providers, each with its {@code models}), or the same as JSON, or {@code {"providers": [...]}}.
 * {@code ?dryRun=true} returns the diff without writing; {@code ?prune=false} keeps objects the file omits.
 */
@Path("/admin/v1/apply")
@Produces(MediaType.APPLICATION_JSON)
public class ApplyResource {
    private static final int MAX_DOCUMENT = 1_000_000;
    private final ApplyService apply;
    private final AdminIdentity identity;
    private final Validator validator;
    private final ObjectMapper yaml = configure(YAMLMapper.builder(YAMLFactory.builder()
            .loaderOptions(loaderOptions()).build()).build());
    private final ObjectMapper json = configure(JsonMapper.builder().build());

    public ApplyResource(ApplyService apply, AdminIdentity identity, Validator validator) {
        this.apply = apply;
        this.identity = identity;
        this.validator = validator;
    }

    @POST
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", MediaType.APPLICATION_JSON})
    public Uni<ApplyService.Result> apply(String body, @HeaderParam("Content-Type") String contentType,
                                          @QueryParam("dryRun") Boolean dryRun, @QueryParam("dry_run") Boolean dryRunSnake,
                                          @QueryParam("prune") Boolean prune) throws JsonMappingException {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("The body is empty: send the configuration as YAML or JSON.", null);
        }
        if (body.length() > MAX_DOCUMENT) {
            throw new ApiException(413, io.nexusai.api.openai.ErrorType.INVALID_REQUEST, "The configuration is too large.", null,
                    "request_too_large");
        }
        boolean isJson = contentType != null && contentType.toLowerCase().startsWith(MediaType.APPLICATION_JSON);
        ApplySpec spec = parse(isJson ? json : yaml, body);
        Set<ConstraintViolation<ApplySpec>> violations = validator.validate(spec);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return apply.apply(identity.actor(), spec, Boolean.TRUE.equals(dryRun) || Boolean.TRUE.equals(dryRunSnake), prune == null || prune);
    }

    private static ApplySpec parse(ObjectMapper mapper, String body) throws JsonMappingException {
        JsonNode tree;
        try {
            tree = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, io.nexusai.api.openai.ErrorType.INVALID_REQUEST,
                    "The configuration is not valid " + (mapper instanceof YAMLMapper ? "YAML" : "JSON") + ": " + e.getOriginalMessage(),
                    null, "invalid_document");
        }
        if (tree == null || !(tree.isArray() || tree.isObject())) {
            throw ApiException.badRequest("The configuration must be a list of providers, or an object with 'providers'.", null);
        }
        JsonNode wrapped = tree.isArray() ? mapper.createObjectNode().set("providers", tree) : tree;
        try {
            return mapper.treeToValue(wrapped, ApplySpec.class);
        } catch (JsonMappingException e) {
            throw e; // wrong types and unknown fields: the error mapper reports them with their path
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The configuration could not be read.", null);
        }
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        return mapper.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** YAML without aliases bombs or huge documents. */
    private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
        org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(MAX_DOCUMENT);
        options.setNestingDepthLimit(20);
        return options;
    }
}
