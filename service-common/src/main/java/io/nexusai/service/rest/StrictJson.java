package io.nexusai.service.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;

/**
 * JSON exactly as documented, on every REST service: a body is one JSON value (nothing after it), an object never
 * repeats a key, a value has the type of its field ({@code "70"} is not an integer, {@code 123} is not a string,
 * {@code 1} is not a boolean, {@code 1.9} is not an integer), fractions are read as exact decimals, and no string
 * (value or object key) contains the NUL character, which PostgreSQL cannot store and no field of ours takes.
 * Unknown fields are left as each service configures them ({@code quarkus.jackson.fail-on-unknown-properties}).
 *
 * <p>Applied to Quarkus' ObjectMapper (REST bodies) of the services that serve REST resources, and by
 * {@link #configure} to any mapper a service builds itself (admin's {@code /apply} reads YAML and JSON with its own).
 * The gateway, which parses OpenAI bodies with the same ObjectMapper type, is left alone (see {@link RestServer}).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        if (RestServer.PRESENT) {
            configure(mapper);
        }
    }

    /** Makes {@code mapper} strict (see the class comment); returns it. */
    @SuppressWarnings("deprecation") // the per-mapper MapperFeature setter: Quarkus hands customizers a built ObjectMapper
    public static <M extends ObjectMapper> M configure(M mapper) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        // integers, floats and booleans from strings (and from each other)
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        // ALLOW_COERCION_OF_SCALARS does not cover strings made of numbers and booleans
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.registerModule(new SimpleModule("nexus-nul-free-strings")
                .addDeserializer(String.class, new NulFreeStrings())
                .addKeyDeserializer(String.class, new NulFreeKeys()));
        return mapper;
    }

    /** A string value or object key with a NUL character; the failure carries the field's path like any other. */
    public static final class NulCharacterException extends MismatchedInputException {
        NulCharacterException(JsonParser parser) {
            super(parser, "NUL character in a string", String.class);
        }
    }

    /** Jackson's own string reading (and its coercion rules), then the NUL check. */
    private static final class NulFreeStrings extends StdScalarDeserializer<String> {
        NulFreeStrings() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String value = StringDeserializer.instance.deserialize(p, ctxt);
            if (value != null && value.indexOf('\0') >= 0) {
                throw new NulCharacterException(p);
            }
            return value;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }

        @Override
        public boolean isCachable() {
            return true;
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) {
            return "";
        }
    }

    /** Object keys read as strings ({@code Map<String, ...>}), with the NUL check. */
    private static final class NulFreeKeys extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
            if (key != null && key.indexOf('\0') >= 0) {
                throw new NulCharacterException(ctxt.getParser());
            }
            return key;
        }
    }
}
