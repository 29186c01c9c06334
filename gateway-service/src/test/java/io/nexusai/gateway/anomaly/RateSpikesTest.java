package io.nexusai.gateway.anomaly;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-key rate baseline, driven interval by interval: the test is the clock ({@link RateSpikes#roll()}). */
class RateSpikesTest {

    /** factor 3, floor 20, alpha 0.5, 2 warm-up intervals, 1000 keys, idle after 3 intervals. */
    private static RateSpikes spikes() {
        return new RateSpikes(3.0, 20, 0.5, 2, 1000, 3);
    }

    private static int hits(RateSpikes s, String key, int n) {
        int spikes = 0;
        for (int i = 0; i < n; i++) {
            if (s.hit("t1", key) != null) {
                spikes++;
            }
        }
        return spikes;
    }

    @Test
    void aBurstFarAboveTheKeysOwnBaselineIsFlaggedOncePerInterval() {
        RateSpikes s = spikes();
        for (int i = 0; i < 4; i++) { // a quiet baseline of 10 per interval
            assertThat(hits(s, "k1", 10)).isZero();
            s.roll();
        }
        assertThat(s.baseline("k1")).isEqualTo(10.0);
        // threshold: more than 3 × 10 = 30, so the 31st request is the spike, reported once however many follow
        RateSpikes.Spike spike = null;
        for (int i = 1; i <= 100; i++) {
            RateSpikes.Spike sp = s.hit("t1", "k1");
            if (sp != null) {
                assertThat(spike).as("reported once").isNull();
                assertThat(i).isEqualTo(31);
                spike = sp;
            }
        }
        assertThat(spike).isNotNull();
        assertThat(spike.keyId()).isEqualTo("k1");
        assertThat(spike.tenantId()).isEqualTo("t1");
        assertThat(spike.count()).isEqualTo(31);
        assertThat(spike.baseline()).isEqualTo(10.0);
        s.roll();
        // the baseline follows (0.5 × 100 + 0.5 × 10 = 55): the same rate again is no longer a spike
        assertThat(s.baseline("k1")).isEqualTo(55.0);
        assertThat(hits(s, "k1", 100)).isZero();
        s.roll();
        // but a new burst far above the new baseline is, once again
        assertThat(hits(s, "k1", 1000)).isEqualTo(1);
    }

    @Test
    void theFloorKeepsQuietKeysFromSpiking() {
        RateSpikes s = spikes();
        for (int i = 0; i < 3; i++) {
            hits(s, "k1", 1);
            s.roll();
        }
        // 3 × 1 = 3, but fewer than 20 requests are never a spike
        assertThat(hits(s, "k1", 19)).isZero();
        assertThat(hits(s, "k1", 1)).isEqualTo(1);
    }

    @Test
    void keysWarmUpBeforeTheyCanSpikeAndKeysAreIndependent() {
        RateSpikes s = spikes();
        hits(s, "old", 5);
        s.roll();
        hits(s, "old", 5);
        s.roll();
        // a key seen for the first time has no baseline: however many requests, no spike yet
        assertThat(hits(s, "new", 500)).isZero();
        s.roll();
        assertThat(hits(s, "new", 500)).as("one interval of history is not enough").isZero();
        // the old key's baseline is its own (5, then 2.5 after a quiet interval), not the busy neighbour's
        assertThat(hits(s, "old", 20)).isEqualTo(1);
        s.roll();
        // the new key's baseline is its own high rate: 500 is normal for it
        assertThat(hits(s, "new", 500)).isZero();
    }

    @Test
    void memoryIsBoundedByMaxKeysAndIdleKeysAreForgotten() {
        RateSpikes s = new RateSpikes(3.0, 20, 0.5, 2, 100, 3);
        for (int i = 0; i < 250; i++) {
            s.hit("t", "key-" + i);
        }
        assertThat(s.trackedKeys()).isEqualTo(100);
        assertThat(s.untrackedRequests()).isEqualTo(150);
        // key-0 stays busy, the other 99 go idle: forgotten after 3 intervals without a request
        for (int i = 0; i < 4; i++) {
            s.roll();
            s.hit("t", "key-0");
        }
        assertThat(s.trackedKeys()).isEqualTo(1);
        assertThat(s.baseline("key-0")).isEqualTo(1.0);
        assertThat(s.baseline("key-1")).isNaN();
        // room again for new keys
        s.hit("t", "key-200");
        assertThat(s.trackedKeys()).isEqualTo(2);
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new RateSpikes(0.5, 20, 0.5, 2, 10, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSpikes(3, 0, 0.5, 2, 10, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSpikes(3, 20, 0, 2, 10, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSpikes(3, 20, 1.5, 2, 10, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSpikes(3, 20, 0.5, 2, 0, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
