package io.nexusai.gateway.usage;

import io.nexusai.api.events.UsageEvent;
import io.nexusai.testsupport.RedisProvider;
import io.nexusai.testsupport.StoppableRedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Through a Redis outage no usage event is lost: they wait in the journal and go to Redis when it is back, and the
 * journal of a gateway that was killed (and a spool file of an earlier version) is shipped too. Runs against a real
 * redis-server it stops and starts.
 */
@QuarkusTest
@TestProfile(UsageSpoolTest.Profile.class)
@WithTestResource(StoppableRedisTestResource.class)
class UsageSpoolTest {
    static final Path SPOOL = Path.of("target/usage-spool-test-" + UUID.randomUUID().toString().substring(0, 8));

    /** A spool directory of this test's own. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nexus.gateway.usage-spool.dir", SPOOL.toString(),
                    "quarkus.rest-client.auth-service.url", "http://127.0.0.1:1",
                    "quarkus.rest-client.routing-service.url", "http://127.0.0.1:1");
        }
    }

    @Inject
    UsageEmitter emitter;

    static UsageEvent event() {
        return new UsageEvent("req_" + UUID.randomUUID(), null, System.currentTimeMillis(), "t", "key_x", "chat.completions", "a",
                1, "p", 1, "m", false, 200, 10, 5, false, 3, BigDecimal.ONE, null);
    }

    static long xlen() throws IOException {
        String stream = "{" + StoppableRedisTestResource.namespace() + "}:usage";
        try (Socket s = new Socket("127.0.0.1", java.net.URI.create(StoppableRedisTestResource.url()).getPort())) {
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
    void eventsSurviveARedisOutageAndAnAbandonedSpoolIsReplayed() throws Exception {
        for (int i = 0; i < 1000; i++) {
            emitter.emit(event());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> xlen() == 1000);

        StoppableRedisTestResource.stopRedis();
        await().atMost(Duration.ofSeconds(10)).until(() -> !emitter.connected());
        for (int i = 0; i < 700; i++) {
            emitter.emit(event());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> emitter.spooled() == 700);

        // a gateway killed with two events in its journal, whose lock nobody holds any more
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        UsageJournal dead = new UsageJournal(SPOOL, "killedgateway_7", 1 << 20, 1 << 20);
        dead.open();
        dead.append(json.writeValueAsBytes(event()), null);
        dead.append(json.writeValueAsBytes(event()), null);
        dead.close();
        // and a spool file of an earlier version, left by a gateway that died
        Files.writeString(SPOOL.resolve("usage-deadgateway_42-1.jsonl"), json.writeValueAsString(event()) + "\n");

        StoppableRedisTestResource.startRedis(); // a fresh server: what it held before is gone
        await().atMost(Duration.ofSeconds(20)).until(() -> emitter.connected() && emitter.spooled() == 0);
        // the directory is looked at every 10 s for journals of dead gateways
        await().atMost(Duration.ofSeconds(30)).until(() -> xlen() == 703);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var files = Files.list(SPOOL)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".jsonl") || f.contains("killedgateway"));
            }
        });

        for (int i = 0; i < 10; i++) {
            emitter.emit(event());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> xlen() == 713);
        assertThat(RedisProvider.pings(StoppableRedisTestResource.url())).isTrue();
    }
}
