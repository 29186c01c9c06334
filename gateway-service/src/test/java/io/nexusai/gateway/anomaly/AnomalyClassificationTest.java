package io.nexusai.gateway.anomaly;

import io.nexusai.api.events.AnomalyEntry;
import io.nexusai.api.events.AnomalyType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which refusals are anomalies of which type, and how they are aggregated before they go to Redis. */
class AnomalyClassificationTest {

    @Test
    void refusalsAreClassifiedByStatusAndCode() {
        assertThat(AnomalyDetector.classify(401, "invalid_api_key", false)).isEqualTo(AnomalyType.AUTH_FAILURE);
        assertThat(AnomalyDetector.classify(401, null, false)).isEqualTo(AnomalyType.AUTH_FAILURE);
        assertThat(AnomalyDetector.classify(403, "admin_key_not_allowed", true)).isEqualTo(AnomalyType.AUTH_FAILURE);
        for (String code : List.of("signature_required", "invalid_signature", "stale_timestamp", "replayed_request")) {
            assertThat(AnomalyDetector.classify(401, code, true)).as(code).isEqualTo(AnomalyType.BAD_SIGNATURE);
        }
        for (int status : List.of(413, 414, 431)) {
            assertThat(AnomalyDetector.classify(status, null, false)).isEqualTo(AnomalyType.OVERSIZED);
        }
        assertThat(AnomalyDetector.classify(400, "invalid_json", false)).isEqualTo(AnomalyType.MALFORMED);
        assertThat(AnomalyDetector.classify(400, null, false)).isEqualTo(AnomalyType.MALFORMED);
        assertThat(AnomalyDetector.classify(415, "unsupported_media_type", false)).isEqualTo(AnomalyType.MALFORMED);
        // after the body passed the parse checks, a 400 (e.g. a provider's) is not the client's malformed request
        assertThat(AnomalyDetector.classify(400, "invalid_request", true)).isNull();
        // ordinary refusals and failures are not anomalies
        for (int status : List.of(200, 404, 405, 409, 429, 499, 500, 502, 503, 504)) {
            assertThat(AnomalyDetector.classify(status, null, false)).as("status " + status).isNull();
        }
        assertThat(AnomalyDetector.classify(403, "model_not_allowed", true)).isNull();
    }

    @Test
    void aFloodOfOneCallerBecomesOneEntryPerFlush() {
        AnomalyBuffer buffer = new AnomalyBuffer(10);
        for (int i = 0; i < 10_000; i++) {
            buffer.add(AnomalyType.AUTH_FAILURE, null, null, "10.0.0.1", "req-" + i, 401, "invalid_api_key", 1_000 + i);
        }
        buffer.add(AnomalyType.MALFORMED, "t1", "key-1", "10.0.0.2", "req-x", 400, "invalid_json", 500);
        List<AnomalyEntry> entries = buffer.drain();
        assertThat(entries).hasSize(2);
        AnomalyEntry malformed = entries.get(0);
        assertThat(malformed.type()).isEqualTo(AnomalyType.MALFORMED);
        assertThat(malformed.tenantId()).isEqualTo("t1");
        assertThat(malformed.keyId()).isEqualTo("key-1");
        AnomalyEntry flood = entries.get(1);
        assertThat(flood.count()).isEqualTo(10_000);
        assertThat(flood.firstMs()).isEqualTo(1_000);
        assertThat(flood.lastMs()).isEqualTo(10_999);
        assertThat(flood.requestId()).isEqualTo("req-0");
        assertThat(flood.keyId()).isEqualTo(AnomalyEntry.UNKNOWN);
        assertThat(flood.tenantId()).isEqualTo(AnomalyEntry.UNKNOWN);
        assertThat(buffer.drain()).as("drained").isEmpty();
    }

    @Test
    void manyCallersAreCappedPerFlush() {
        AnomalyBuffer buffer = new AnomalyBuffer(10);
        for (int i = 0; i < 1000; i++) {
            buffer.add(AnomalyType.AUTH_FAILURE, null, null, "10.0.0." + i, "req-" + i, 401, "invalid_api_key", i);
        }
        assertThat(buffer.drain()).hasSize(10);
        assertThat(buffer.takeOverflow()).isEqualTo(990);
        assertThat(buffer.takeOverflow()).isZero();
    }

    @Test
    void entriesRoundTripThroughStreamFields() {
        AnomalyEntry e = new AnomalyEntry(1, 2, AnomalyType.RATE_SPIKE, "t1", "key-1", "req-1", "::1", 200,
                "x".repeat(500), 3);
        List<String> f = e.fields();
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < f.size(); i += 2) {
            map.put(f.get(i), f.get(i + 1));
        }
        AnomalyEntry back = AnomalyEntry.fromFields(map);
        assertThat(back).isEqualTo(e);
        assertThat(back.detail()).hasSize(120);
        map.put("type", "nonsense");
        assertThat(AnomalyEntry.fromFields(map)).isNull();
    }
}
