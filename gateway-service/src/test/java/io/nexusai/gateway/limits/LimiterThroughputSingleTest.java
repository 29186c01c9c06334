package io.nexusai.gateway.limits;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import java.net.URI;
import java.util.List;

/** {@link LimiterThroughput} against one Redis (runs only with {@code -Dnexus.bench.limiter=true}). */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class LimiterThroughputSingleTest extends LimiterThroughput {
    @Override
    String label() {
        return "one-redis";
    }

    @Override
    List<Integer> redisPorts() {
        return List.of(URI.create(RedisTestResource.url()).getPort());
    }
}
