package io.nexusai.gateway.usage;

import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A journal that cannot take more (here at its maximum size; a full disk takes the same way) never loses an event
 * while Redis answers and never fails the caller: refused events go to Redis from memory and are counted in
 * {@code nexus_usage_journal_errors_total}; nothing is counted as dropped.
 */
@QuarkusTest
@TestProfile(UsageJournalFullTest.Profile.class)
@WithTestResource(RedisTestResource.class)
class UsageJournalFullTest {

    /** A journal of 512 bytes at most (two or three events), in segments of 1 KiB: it is soon full for good. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.gateway.usage-spool.dir", "target/usage-journal-full-" + UUID.randomUUID().toString().substring(0, 8),
                    "nexus.gateway.usage-spool.max-size", "512",
                    "nexus.gateway.usage-spool.segment-size", "1K",
                    "quarkus.rest-client.auth-service.url", "http://127.0.0.1:1",
                    "quarkus.rest-client.routing-service.url", "http://127.0.0.1:1");
        }
    }

    @Inject
    UsageEmitter emitter;
    @Inject
    MeterRegistry registry;

    static long xlen() throws IOException {
        String stream = "{" + RedisTestResource.namespace() + "}:usage";
        try (Socket s = new Socket("127.0.0.1", java.net.URI.create(RedisTestResource.url()).getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("*2\r\n$4\r\nXLEN\r\n$" + stream.length() + "\r\n" + stream + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                sb.append((char) c);
            }
            return Long.parseLong(sb.toString().trim().substring(1));
        }
    }

    @Test
    void eventsTheJournalRefusesGoToRedisFromMemoryAndAreCounted() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(emitter::connected);
        // the first events fill the journal (its live segment stays, however much of it Redis has); the rest it refuses
        for (int burst = 0; burst < 20; burst++) {
            for (int i = 0; i < 100; i++) {
                emitter.emit(UsageSpoolTest.event());
            }
            Thread.sleep(5);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> xlen() == 2000);
        double refused = registry.get("nexus.usage.journal.errors").counter().count();
        assertThat(refused).as("events the journal refused").isGreaterThan(0);
        assertThat(registry.get("nexus.usage.events.dropped").counter().count()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> emitter.spooled() == 0);
    }
}
