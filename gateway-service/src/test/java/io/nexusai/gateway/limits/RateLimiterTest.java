package io.nexusai.gateway.limits;

import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The limiter's contract on one Redis (every request one script, all checks together). */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RateLimiterTest extends RateLimiterContract {
}
