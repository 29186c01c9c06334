package io.nexusai.gateway.limits;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.nexusai.api.events.RedisNames;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What one replica enforces alone while Redis is unreachable. */
class LocalLimiterTest {
    final RedisNames names = new RedisNames("local-test");
    final LocalLimiter local = new LocalLimiter();

    Charge charge(Principal p, long tokens) {
        Charge c = Charge.of(names, "req_" + System.nanoTime(), p, 1_800_000_000_000L, List.of());
        c.reserve(tokens, 0, 0);
        return c;
    }

    @Test
    void eachReplicaTakesItsShareOfTheRequestsPerMinute() {
        Principal p = new Principal("key_a", KeyLevel.APP, "t-a", null, new Limits(10, null, null, null, null, null), null, null, null);
        long now = 1_800_000_000_000L;
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (local.admit(charge(p, 0), 0.5, now + i).admitted()) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(5);
        // a minute later the window has moved on
        assertThat(local.admit(charge(p, 0), 0.5, now + 60_001).admitted()).isTrue();
    }

    @Test
    void aRequestStampedBeforeTheEntriesThatFilledTheWindowWaitsAtMostAMinute() {
        Principal p = new Principal("key_c", KeyLevel.APP, "t-c", null, new Limits(2, null, null, null, null, null), null, null, null);
        long now = 1_800_000_000_000L;
        assertThat(local.admit(charge(p, 0), 1, now + 900).admitted()).isTrue();
        assertThat(local.admit(charge(p, 0), 1, now + 901).admitted()).isTrue();
        Decision refused = local.admit(charge(p, 0), 1, now); // stamped earlier, decided after them
        assertThat(refused.verdict()).isEqualTo(Decision.REQUESTS);
        assertThat(refused.retryMs()).isBetween(1L, 60_000L);
        assertThat(refused.reqResetMs()).isBetween(1L, 60_000L);
    }

    @Test
    void quotasStartFromWhatRedisLastShowedAndShareWhatWasLeft() {
        Principal p = new Principal("key_b", KeyLevel.APP, "t-b", null, Limits.NONE, new Limits(null, null, 1000L, null, null, null),
                null, null);
        Charge first = charge(p, 100);
        String tenantDay = first.quotas().get(2).key();
        local.remember(tenantDay, 800, 0);
        // 200 left, half of it for this replica: one request of 100, not two
        assertThat(local.admit(first, 0.5, 1).admitted()).isTrue();
        Decision second = local.admit(charge(p, 100), 0.5, 2);
        assertThat(second.verdict()).isEqualTo(Decision.TOKEN_QUOTA);
        assertThat(second.local()).isTrue();
        local.redisBack();
        assertThat(local.admit(charge(p, 100), 0.5, 3).admitted()).isTrue();
    }
}
