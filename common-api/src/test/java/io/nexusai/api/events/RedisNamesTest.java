package io.nexusai.api.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the stored responses' keys go: the namespace's tag on one Redis (as before), the tenant's on a cluster. */
class RedisNamesTest {

    @Test
    void onOneRedisAStoredResponseKeepsItsKey() {
        assertThat(new RedisNames("nx").storedResponse("t-1", "resp_abc")).isEqualTo("{nx}:resp:t-1:resp_abc");
    }

    @Test
    void onAClusterAStoredResponseIsOnItsTenantsSlot() {
        RedisNames names = new RedisNames("nx", true);
        String key = names.storedResponse("t-1", "resp_abc");
        assertThat(key).isEqualTo("{nx:t:t-1}:resp:t-1:resp_abc");
        assertThat(RedisNames.hashTag(key)).isEqualTo(RedisNames.hashTag(names.limiterWindow("t-1", "t", "t-1")))
                .isEqualTo(RedisNames.hashTag(names.reservations("t-1")));
        assertThat(RedisNames.hashTag(names.storedResponse("t-2", "resp_abc"))).isNotEqualTo(RedisNames.hashTag(key));
    }
}
