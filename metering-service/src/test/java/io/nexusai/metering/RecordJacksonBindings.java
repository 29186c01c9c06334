package io.nexusai.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.testsupport.JacksonBindings;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Tests only: records every type the application's ObjectMapper binds while the tests run, for the check that
 * each is registered for reflection (test-support's NativeRegistrationsCheck, docs/native.md).
 */
@Singleton
public class RecordJacksonBindings implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        JacksonBindings.record(mapper);
    }
}
