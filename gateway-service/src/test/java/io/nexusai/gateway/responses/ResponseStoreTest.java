package io.nexusai.gateway.responses;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The stored responses' contract on one Redis, where their keys are the ones they always were. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class ResponseStoreTest extends ResponseStoreContract {

    @Test
    void onOneRedisAResponseIsUnderTheNamespacesTagAsBefore() throws Exception {
        String tenant = newTenant();
        String id = put(tenant, "Where am I stored?", "Under the namespace.");
        assertThat(redis.key().exists("{" + RedisTestResource.namespace() + "}:resp:" + tenant + ":" + id)).isTrue();
    }
}
