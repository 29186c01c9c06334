package io.nexusai.testsupport;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.ser.std.JsonValueSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test only: records every bean and enum type an {@link ObjectMapper} serialises or deserialises, so that
 * {@link NativeRegistrationsCheck} can fail the build when one of them is not registered for reflection (a native
 * executable answers such a type with a 500: "No serializer found for class ... This appears to be a native image").
 *
 * <p>Each service installs it on the application's ObjectMapper in its tests (a test-scoped
 * {@code ObjectMapperCustomizer}, {@code RecordJacksonBindings}); every mapper a service copies from that one
 * ({@code copy()}, {@code copyWith(...)}) records too. Types go, one line each ({@code serialise <class>},
 * {@code deserialise <class>}), to a file per JVM under the directory named by the system property
 * {@value #DIR_PROPERTY} (set by the build for each module's tests); without the property nothing is recorded.
 */
public final class JacksonBindings {
    /** System property: where to write the recorded types (a directory, one file per test JVM). */
    public static final String DIR_PROPERTY = "nexus.jackson-bindings.dir";

    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    private JacksonBindings() {
    }

    /** Installs the recorder on {@code mapper}; returns it. */
    public static <M extends ObjectMapper> M record(M mapper) {
        mapper.registerModule(new Recorder());
        return mapper;
    }

    private static void seen(String direction, Class<?> type) {
        while (type.isArray()) {
            type = type.getComponentType();
        }
        if (type.isPrimitive()) {
            return;
        }
        String line = direction + " " + type.getName();
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank() || !SEEN.add(line)) {
            return;
        }
        try {
            Path file = Path.of(dir).resolve("bindings-" + ProcessHandle.current().pid() + ".txt");
            Files.createDirectories(file.getParent());
            synchronized (JacksonBindings.class) {
                Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The module: bean and enum (de)serialisers are built once per type and mapper, and each build is recorded. */
    private static final class Recorder extends SimpleModule {
        Recorder() {
            super("nexus-jackson-bindings-recorder");
            setSerializerModifier(new BeanSerializerModifier() {
                @Override
                public List<BeanPropertyWriter> changeProperties(SerializationConfig config, BeanDescription bean, List<BeanPropertyWriter> properties) {
                    seen("serialise", bean.getBeanClass());
                    return properties;
                }

                /** Types written through a {@code @JsonValue} method: not beans, but read reflectively all the same. */
                @Override
                public JsonSerializer<?> modifySerializer(SerializationConfig config, BeanDescription bean, JsonSerializer<?> serializer) {
                    if (serializer instanceof JsonValueSerializer) {
                        seen("serialise", bean.getBeanClass());
                    }
                    return serializer;
                }

                @Override
                public JsonSerializer<?> modifyEnumSerializer(SerializationConfig config, JavaType type, BeanDescription bean, JsonSerializer<?> serializer) {
                    seen("serialise", type.getRawClass());
                    return serializer;
                }

                @Override
                public JsonSerializer<?> modifyKeySerializer(SerializationConfig config, JavaType type, BeanDescription bean, JsonSerializer<?> serializer) {
                    if (type.isEnumType()) {
                        seen("serialise", type.getRawClass());
                    }
                    return serializer;
                }
            });
            setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean, BeanDeserializerBuilder builder) {
                    seen("deserialise", bean.getBeanClass());
                    return builder;
                }

                @Override
                public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type, BeanDescription bean, JsonDeserializer<?> deserializer) {
                    seen("deserialise", type.getRawClass());
                    return deserializer;
                }

                @Override
                public KeyDeserializer modifyKeyDeserializer(DeserializationConfig config, JavaType type, KeyDeserializer deserializer) {
                    if (type.isEnumType()) {
                        seen("deserialise", type.getRawClass());
                    }
                    return deserializer;
                }
            });
        }
    }
}
