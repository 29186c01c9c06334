package io.nexusai.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.nexusai.api.events.UsageEvent;
import io.nexusai.metering.repository.UsageRepository;
import io.nexusai.metering.stream.StreamAdmin;
import io.nexusai.metering.stream.UsageStreamConsumer;
import io.nexusai.testsupport.ControlPlaneDbTestResource;
import io.nexusai.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Housekeeping of the usage stream with real Redis: trimming below what every group acknowledged, deleting
 * idle consumers without pending entries, claiming a dead consumer's pending entries, the lag, and the metrics.
 */
@QuarkusTest
@WithTestResource(ControlPlaneDbTestResource.class)
@WithTestResource(RedisTestResource.class)
class StreamMaintenanceTest {
    @Inject
    StreamAdmin admin;
    @Inject
    RedisDataSource redis;
    @Inject
    UsageRepository usage;
    @Inject
    UsageStreamConsumer consumer;
    @Inject
    MeterRegistry registry;
    @Inject
    ObjectMapper mapper;

    StreamCommands<String, String, String> streams() {
        return redis.stream(String.class, String.class, String.class);
    }

    /** A stream of the test's own (in the test's Redis namespace) that no consumer of the service reads. */
    String scratch() {
        return "{" + RedisTestResource.namespace() + "}:scratch-" + UUID.randomUUID();
    }

    List<String> add(String stream, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(streams().xadd(stream, Map.of("n", Integer.toString(i))));
        }
        return ids;
    }

    List<String> read(String stream, String group, String consumerName, int count) {
        return streams().xreadgroup(group, consumerName, stream, ">", new XReadGroupArgs().count(count)).stream()
                .map(StreamMessage::id).toList();
    }

    List<String> remaining(String stream) {
        return streams().xrange(stream, StreamRange.of("-", "+")).stream().map(StreamMessage::id).toList();
    }

    @Test
    void trimKeepsWhatAnyGroupHasNotAcknowledged() {
        String s = scratch();
        List<String> ids = add(s, 10);
        assertThat(admin.trim(s).removed()).as("no group has read anything: nothing may go").isZero();

        streams().xgroupCreate(s, "a", "0");
        streams().xgroupCreate(s, "b", "0");
        assertThat(admin.trim(s).removed()).as("groups have delivered nothing").isZero();

        assertThat(read(s, "a", "a1", 6)).isEqualTo(ids.subList(0, 6));
        streams().xack(s, "a", ids.get(0), ids.get(1), ids.get(3));             // a: e3, e5, e6 pending
        assertThat(read(s, "b", "b1", 8)).isEqualTo(ids.subList(0, 8));
        streams().xack(s, "b", ids.subList(0, 8).toArray(String[]::new));        // b: all 8 acknowledged, e9, e10 undelivered

        StreamAdmin.Trim t = admin.trim(s);
        assertThat(t.minId()).isEqualTo(ids.get(2));                              // a's oldest pending
        assertThat(remaining(s)).isEqualTo(ids.subList(2, 10));

        streams().xack(s, "a", ids.get(2));                                       // a: e5, e6 pending
        admin.trim(s);
        assertThat(remaining(s)).isEqualTo(ids.subList(4, 10));                   // e4 was acknowledged, e5 is not

        streams().xack(s, "a", ids.get(4), ids.get(5));                           // a: all 6 delivered acknowledged
        t = admin.trim(s);
        assertThat(remaining(s)).as("undelivered to a (e7, e8) and to b (e9, e10) stay").isEqualTo(ids.subList(6, 10));
        String last = ids.get(5);
        assertThat(t.minId()).isEqualTo(last.substring(0, last.indexOf('-') + 1) + (Long.parseLong(last.substring(last.indexOf('-') + 1)) + 1));

        assertThat(read(s, "a", "a2", 10)).isEqualTo(ids.subList(6, 10));        // a: e7..e10 pending on another consumer
        assertThat(read(s, "b", "b1", 10)).isEqualTo(ids.subList(8, 10));
        streams().xack(s, "b", ids.get(8), ids.get(9));
        admin.trim(s);
        assertThat(remaining(s)).isEqualTo(ids.subList(6, 10));
        streams().xack(s, "a", ids.subList(6, 10).toArray(String[]::new));
        admin.trim(s);
        assertThat(remaining(s)).as("acknowledged by every group: all gone").isEmpty();
    }

    @Test
    void idleConsumersWithoutPendingEntriesAreDeleted() {
        String s = scratch();
        add(s, 3);
        streams().xgroupCreate(s, "g", "0");
        read(s, "g", "busy", 2);                                                  // 2 pending
        read(s, "g", "empty", 5);                                                 // gets the third one
        streams().xack(s, "g", remaining(s).get(2));
        redis.execute("XGROUP", "CREATECONSUMER", s, "g", "never-got-any");      // created, nothing delivered
        redis.execute("XGROUP", "CREATECONSUMER", s, "g", "me");

        assertThat(admin.deleteIdleConsumers(s, "g", Duration.ofHours(1), "me")).as("nobody idle for an hour").isEmpty();
        assertThat(admin.deleteIdleConsumers(s, "g", Duration.ZERO, "me")).containsExactlyInAnyOrder("empty", "never-got-any");
        assertThat(consumers(s, "g")).containsExactlyInAnyOrder("busy", "me");
        assertThat(streams().xpending(s, "g").getPendingCount()).isEqualTo(2);
    }

    @Test
    void lagCountsPendingAndUndeliveredEntries() {
        String s = scratch();
        List<String> ids = add(s, 8);
        assertThat(admin.lag(s, "g").total()).as("no group yet: everything is unread").isEqualTo(8);
        streams().xgroupCreate(s, "g", "0");
        read(s, "g", "c", 3);
        streams().xack(s, "g", ids.get(0), ids.get(1));
        admin.trim(s);
        StreamAdmin.Lag lag = admin.lag(s, "g");
        assertThat(lag.pending()).isEqualTo(1);
        assertThat(lag.total()).isEqualTo(6);
        read(s, "g", "c", 10);
        streams().xack(s, "g", ids.subList(2, 8).toArray(String[]::new));
        assertThat(admin.lag(s, "g")).isEqualTo(new StreamAdmin.Lag(0, 0, true));
    }

    /**
     * Two consumer names in the service's group: "dead-replica" takes entries and dies with them pending; the
     * service's consumer claims them (claim-idle is 2 s in tests), stores them, and later deletes the dead
     * consumer (idle 3 s, nothing pending).
     */
    @Test
    void aDeadConsumersPendingEntriesAreClaimedAndTheConsumerDeleted() throws Exception {
        String stream = "{" + RedisTestResource.namespace() + "}:usage";
        String tenant = "dead-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> args = new ArrayList<>(List.of(
                "for i = 1, #ARGV - 1 do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end "
                        + "return redis.call('XREADGROUP', 'GROUP', 'metering', ARGV[#ARGV], 'COUNT', #ARGV - 1, 'STREAMS', KEYS[1], '>')",
                "1", stream));
        long prompt = 0;
        for (int i = 0; i < 20; i++) {
            args.add(mapper.writeValueAsString(event(tenant, tenant + "-" + i, 100 + i, 10)));
            prompt += 100 + i;
        }
        args.add("dead-replica");
        // atomically: append and deliver to "dead-replica" before the service's blocked read can see them
        Response delivered = redis.execute("EVAL", args.toArray(String[]::new));
        assertThat(delivered.get(0).get(1).size()).isEqualTo(20);
        assertThat(pendingOf(stream, "dead-replica")).isEqualTo(20);

        UsageRepository.Filter f = new UsageRepository.Filter(tenant, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(3600),
                null, null, null, null, null);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(usage.totals(f, null).await().indefinitely().get(0).requests()).isEqualTo(20));
        assertThat(usage.totals(f, null).await().indefinitely().get(0).promptTokens()).isEqualTo(prompt);
        assertThat(pendingOf(stream, "dead-replica")).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(consumers(stream, "metering")).doesNotContain("dead-replica").contains(consumer.consumerName()));
    }

    @Test
    void metricsCountOutcomesTokensAndCostAndShowTheLag() throws Exception {
        String tenant = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        String stream = "{" + RedisTestResource.namespace() + "}:usage";
        double inserted = count("nexus.metering.events", "outcome", "inserted");
        double duplicate = count("nexus.metering.events", "outcome", "duplicate");
        double malformed = count("nexus.metering.events", "outcome", "malformed");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(mapper.writeValueAsString(event(tenant, tenant + "-" + i, 1000, 500)));
            streams().xadd(stream, Map.of("e", sent.get(i)));
        }
        streams().xadd(stream, Map.of("e", sent.get(0))); // the first again, as sent
        streams().xadd(stream, Map.of("e", "{\"request_id\": 1"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(count("nexus.metering.events", "outcome", "inserted") - inserted).isEqualTo(3);
            assertThat(count("nexus.metering.events", "outcome", "duplicate") - duplicate).isEqualTo(1);
            assertThat(count("nexus.metering.events", "outcome", "malformed") - malformed).isEqualTo(1);
        });
        assertThat(registry.get("nexus.metering.tokens").tags("tenant", tenant, "model", "nexus-gpt4", "type", "prompt").counter().count())
                .isEqualTo(3000);
        assertThat(registry.get("nexus.metering.tokens").tags("tenant", tenant, "model", "nexus-gpt4", "type", "completion").counter().count())
                .isEqualTo(1500);
        // gpt-4o: 2.50 in / 10.00 out per 1M; 3 × (1000 × 2.5 + 500 × 10) / 1e6 = 0.0225
        assertThat(registry.get("nexus.metering.cost").tags("tenant", tenant, "model", "nexus-gpt4").counter().count())
                .isCloseTo(0.0225, org.assertj.core.data.Offset.offset(1e-12));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(registry.get("nexus.metering.lag.events").gauge().value()).isZero());

        String text = given().get("http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + "/q/metrics").then().statusCode(200).extract().asString();
        assertThat(text).contains("nexus_metering_events_total{outcome=\"inserted\"}", "nexus_metering_events_total{outcome=\"malformed\"}",
                "nexus_metering_batch_seconds_bucket", "nexus_metering_lag_events",
                "nexus_metering_cost_total{model=\"nexus-gpt4\",tenant=\"" + tenant + "\"}",
                "nexus_metering_tokens_total{model=\"nexus-gpt4\",tenant=\"" + tenant + "\",type=\"prompt\"} 3000.0");
        assertThat(text).doesNotContain("key_test");
    }

    double count(String name, String tag, String value) {
        var c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    UsageEvent event(String tenant, String requestId, long prompt, long completion) {
        return new UsageEvent(requestId, null, System.currentTimeMillis(), tenant, "key_test", "chat.completions", "nexus-gpt4",
                1, "openai", 1, "gpt-4o", false, 200, prompt, completion, false, 12, BigDecimal.ONE, null);
    }

    long pendingOf(String stream, String consumerName) {
        Response r = redis.execute("XPENDING", stream, "metering", "-", "+", "1000", consumerName);
        return r == null ? 0 : r.size();
    }

    List<String> consumers(String stream, String group) {
        Response r = redis.execute("XINFO", "CONSUMERS", stream, group);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            Response c = r.get(i);
            names.add(c.containsKey("name") ? c.get("name").toString() : fieldOf(c, "name"));
        }
        return names;
    }

    static String fieldOf(Response flat, String key) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (key.equals(flat.get(i).toString())) {
                return flat.get(i + 1).toString();
            }
        }
        return null;
    }
}
