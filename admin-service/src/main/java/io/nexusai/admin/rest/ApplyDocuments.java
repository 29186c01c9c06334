package io.nexusai.admin.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nexusai.admin.service.ApplySpec;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.openai.ErrorType;
import io.nexusai.service.rest.StrictJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

import java.io.StringReader;
import java.util.Set;

/**
 * Reads an apply document (the product README's YAML, or JSON) into a validated {@link ApplySpec}, for
 * {@code POST /admin/v1/apply} and the console's Apply page alike.
 *
 * <p>The document is read as strictly as the REST bodies ({@link StrictJson}: exact types, no repeated keys, no NUL,
 * exact decimals). YAML is plain data: one document, no tags, anchors, aliases or directives, at most
 * {@value #MAX_DEPTH} levels deep; SnakeYAML's event parser checks that before Jackson reads it.
 */
@ApplicationScoped
public class ApplyDocuments {
    private static final int MAX_DOCUMENT = 1_000_000;
    /** Nesting levels of a document (the README's format needs four: providers, provider, models, model). */
    private static final int MAX_DEPTH = 50;
    private final Validator validator;
    private final ObjectMapper yaml;
    private final ObjectMapper json;

    /**
     * The document's mappers are copies of the application's ObjectMapper (its modules included: in tests, the
     * recorder of the types Jackson binds, which checks that native executables can read ApplySpec) with a YAML
     * and a depth-limited JSON parser, made as strict as below.
     */
    public ApplyDocuments(Validator validator, ObjectMapper mapper) {
        this.validator = validator;
        this.yaml = configure(mapper.copyWith(new YAMLFactory()));
        this.json = configure(mapper.copyWith(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build()));
    }

    /** The document as a validated spec; 400 (or 413) with what is wrong, else. */
    public ApplySpec read(String body, boolean isJson) throws JsonProcessingException {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("The body is empty: send the configuration as YAML or JSON.", null);
        }
        if (body.length() > MAX_DOCUMENT) {
            throw new ApiException(413, ErrorType.INVALID_REQUEST, "The configuration is too large.", null, "request_too_large");
        }
        if (!isJson) {
            checkYaml(body);
        }
        ApplySpec spec = parse(isJson ? json : yaml, body, isJson ? "JSON" : "YAML");
        Set<ConstraintViolation<ApplySpec>> violations = validator.validate(spec);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return spec;
    }

    /**
     * Refuses YAML beyond plain data, from SnakeYAML's events (nothing is built): explicit tags ({@code !!binary},
     * {@code !!java.lang.Runtime}...), anchors and aliases, {@code %YAML}/{@code %TAG} directives, a second document,
     * nesting deeper than {@value #MAX_DEPTH} (counted here: SnakeYAML's nesting limit applies only to its composer),
     * and documents over the size limit.
     */
    private static void checkYaml(String body) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_DOCUMENT);
        int documents = 0;
        int depth = 0;
        try {
            for (Event event : new Yaml(options).parse(new StringReader(body))) {
                if (event instanceof DocumentStartEvent start) {
                    if (++documents > 1) {
                        throw invalidDocument("The configuration must be a single YAML document", event.getStartMark());
                    }
                    if (start.getVersion() != null || start.getTags() != null && !start.getTags().isEmpty()) {
                        throw invalidDocument("YAML directives (%YAML, %TAG) are not supported", event.getStartMark());
                    }
                } else if (event instanceof AliasEvent) {
                    throw invalidDocument("YAML aliases (*name) are not supported", event.getStartMark());
                } else if (event instanceof NodeEvent node && node.getAnchor() != null) {
                    throw invalidDocument("YAML anchors (&name) are not supported", event.getStartMark());
                } else if (event instanceof ScalarEvent scalar && scalar.getTag() != null
                        || event instanceof CollectionStartEvent collection && collection.getTag() != null) {
                    throw invalidDocument("YAML tags (!tag, !!type) are not supported", event.getStartMark());
                }
                if (event instanceof CollectionStartEvent && ++depth > MAX_DEPTH) {
                    throw invalidDocument("The configuration is nested more than " + MAX_DEPTH + " levels deep", event.getStartMark());
                } else if (event instanceof CollectionEndEvent) {
                    depth--;
                }
            }
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw invalidDocument("The configuration is not valid YAML", at);
        } catch (YAMLException e) {
            throw invalidDocument("The configuration is not valid YAML", null);
        }
    }

    private static ApplySpec parse(ObjectMapper mapper, String body, String format) throws JsonProcessingException {
        JsonNode tree;
        try {
            tree = mapper.readTree(body);
        } catch (StreamConstraintsException e) {
            throw invalidDocument("The configuration is nested too deeply, or holds a number or a string too long to read", null);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "The configuration is not valid " + format
                    + (at != null && at.getLineNr() > 0 ? " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")" : "") + ".",
                    null, "invalid_document");
        }
        if (tree == null || !(tree.isArray() || tree.isObject())) {
            throw ApiException.badRequest("The configuration must be a list of providers, or an object with 'providers'.", null);
        }
        JsonNode wrapped = tree.isArray() ? mapper.createObjectNode().set("providers", tree) : tree;
        // wrong types, unknown fields, NUL characters: RestErrorMappers reports them with their path
        return mapper.treeToValue(wrapped, ApplySpec.class);
    }

    private static ApiException invalidDocument(String problem, Mark at) {
        String where = at == null ? "" : " (line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1) + ")";
        return new ApiException(400, ErrorType.INVALID_REQUEST, problem + where + ".", null, "invalid_document");
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        return StrictJson.configure(mapper).setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }
}
