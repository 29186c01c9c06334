package io.nexusai.gateway.limits;

import io.vertx.redis.client.impl.types.ErrorType;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The hash slot of a key as the Redis Cluster specification computes it, and the errors of a failed batch. */
class ClusterSlotsTest {

    @Test
    void theSlotOfAKeyIsTheCrc16OfItsHashTagAsJedisComputesIt() {
        List<String> keys = List.of("", "a", "foo", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap",
                "foo{bar}{zap}", "{}", "{", "}", "{nexus:t:t-1234abcd}:rl:k:key_1", "{nexus}:rl:d:42", "ünïcødé{tënant}", "123456789");
        for (String key : keys) {
            assertThat(ClusterSlots.slot(key)).as(key).isEqualTo(JedisClusterCRC16.getSlot(key));
        }
        for (int i = 0; i < 5_000; i++) {
            String key = "{ns:t:t-" + Integer.toHexString(i * 7919) + "}:resv";
            assertThat(ClusterSlots.slot(key)).as(key).isEqualTo(JedisClusterCRC16.getSlot(key));
        }
        // the specification's example: CRC16("123456789") = 0x31C3
        assertThat(ClusterSlots.slot("123456789")).isEqualTo(0x31C3 & 16383);
    }

    @Test
    void aFailedBatchNamesEachRefusedCommandByItsIndex() {
        // what Vert.x's batch fails with: one line per command that got an error
        ErrorType e = ErrorType.create("ERR [0] MOVED 1234 127.0.0.1:7001" + System.lineSeparator()
                + "ERR [3] NOSCRIPT No matching script. Please use EVAL." + System.lineSeparator() + "ERR [12] ASK 99 127.0.0.1:7002");
        assertThat(RateLimiter.commandErrors(e)).isEqualTo(Map.of(0, "MOVED", 3, "NOSCRIPT", 12, "ASK"));
        assertThat(RateLimiter.commandErrors(new java.io.IOException("Connection reset"))).isEmpty();
    }

    @Test
    void aSlotInMotionIsToldApartFromOtherFailures() {
        assertThat(RateLimiter.slotMoving(ErrorType.create("TRYAGAIN Multiple keys request during rehashing of slot"))).isTrue();
        assertThat(RateLimiter.slotMoving(ErrorType.create("ASK 99 127.0.0.1:7002"))).isTrue();
        assertThat(RateLimiter.slotMoving(ErrorType.create("ERR [0] MOVED 1234 127.0.0.1:7001" + System.lineSeparator()
                + "ERR [2] ASK 99 127.0.0.1:7002"))).isTrue();
        assertThat(RateLimiter.slotMoving(ErrorType.create("ERR [0] MOVED 1234 127.0.0.1:7001"))).isFalse();
        assertThat(RateLimiter.slotMoving(ErrorType.create("NOSCRIPT No matching script. Please use EVAL."))).isFalse();
        assertThat(RateLimiter.slotMoving(new java.io.IOException("Connection reset"))).isFalse();
        assertThat(RateLimiter.slotMoving(null)).isFalse();
    }
}
