package io.nexusai.gateway.usage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.gateway.snapshot.RouteTable;
import io.nexusai.gateway.snapshot.Target;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayMetricsTest {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final GatewayMetrics metrics = new GatewayMetrics(registry);

    @Test
    void overheadIsTotalMinusUpstreamWaitNeverNegative() {
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 9_250_000)).isEqualTo(750_000);
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 0)).isEqualTo(10_000_000);
        // clocks read a moment apart: the wait can come out a hair longer than the request
        assertThat(GatewayMetrics.overheadNanos(10_000_000, 10_000_100)).isZero();
        assertThat(GatewayMetrics.overheadNanos(10_000_000, -5)).isEqualTo(10_000_000);

        metrics.overhead("alias-a", 10_000_000, 9_250_000);
        metrics.overhead("alias-a", 2_000_000, 1_000_000);
        var timer = registry.get("nexus.gateway.overhead").tag("model", "alias-a").timer();
        assertThat(timer.count()).isEqualTo(2);
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(1_750_000);
    }

    @Test
    void seriesAreRegisteredOnceAndFoundAgain() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-a");
        assertThat(metrics.series("openai", "alias-a")).isSameAs(s);
        assertThat(metrics.series("openai", "alias-b")).isNotSameAs(s);
        assertThat(metrics.series("azure", "alias-a")).isNotSameAs(s);

        metrics.request(s, 200, 5_000_000);
        metrics.request(s, 200, 7_000_000);
        metrics.request(s, 503, 1_000_000);
        metrics.request(s, 999, 1_000_000); // out of HTTP's range: counted under 0 rather than lost
        assertThat(registry.get("nexus.requests").tags("provider", "openai", "model", "alias-a", "status", "200").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("nexus.requests").tags("status", "503").counter().count()).isEqualTo(1);
        assertThat(registry.get("nexus.requests").tags("status", "0").counter().count()).isEqualTo(1);
        assertThat(registry.get("nexus.latency").tags("status", "200").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12);

        // meters a request never needed do not exist (no empty histograms per series)
        assertThat(registry.find("nexus.time.to.first.token").timer()).isNull();
        assertThat(registry.find("nexus.tokens").counter()).isNull();
        metrics.firstToken(s, 3_000_000);
        metrics.upstream(s, 4_000_000);
        assertThat(registry.get("nexus.time.to.first.token").tags("provider", "openai", "model", "alias-a").timer().count()).isEqualTo(1);
        assertThat(registry.get("nexus.upstream.latency").tags("provider", "openai", "model", "alias-a").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4);
    }

    @Test
    void meteredTokensAndCostAddUp() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-a");
        metrics.metered(s, 10, 5, 0.0025);
        metrics.metered(s, 7, 0, 0);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-a", "type", "prompt").counter().count()).isEqualTo(17);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-a", "type", "completion").counter().count()).isEqualTo(5);
        assertThat(registry.get("nexus.cost").tags("provider", "openai", "model", "alias-a").counter().count()).isEqualTo(0.0025);
    }

    @Test
    void cacheAndReasoningPartsAreCountedUnderTheirOwnTypes() {
        GatewayMetrics.Series s = metrics.series("openai", "alias-c");
        metrics.metered(s, new io.nexusai.gateway.provider.TokenUsage(2000, 700, 1536, 0, 512, false), 0.01);
        metrics.metered(s, new io.nexusai.gateway.provider.TokenUsage(4237, 333, 3000, 1200, 0, false), 0);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "prompt").counter().count()).isEqualTo(6237);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "cached").counter().count()).isEqualTo(4536);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "cache_write").counter().count()).isEqualTo(1200);
        assertThat(registry.get("nexus.tokens").tags("model", "alias-c", "type", "reasoning").counter().count()).isEqualTo(512);
        // parts that never occurred export nothing
        GatewayMetrics.Series plain = metrics.series("openai", "alias-d");
        metrics.metered(plain, 10, 5, 0);
        assertThat(registry.find("nexus.tokens").tags("model", "alias-d", "type", "cached").counter()).isNull();
    }

    @Test
    void foldedAliasesThatLeftTheRouteTableAreForgottenAndFoldedAgainWhenUsedAgain() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        GatewayMetrics bounded = new GatewayMetrics(reg, 2);
        for (int i = 0; i < 6; i++) {
            bounded.request(bounded.alias("alias-" + i).series("openai"), 200, 1_000_000);
        }
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(4);
        Set<String> configured = Set.of("alias-1", "alias-3"); // the route table now: alias-0 labelled but gone, 2/4/5 gone

        assertThat(bounded.forgetFolded(configured::contains)).isEqualTo(3);
        assertThat(bounded.holds("alias-0")).as("a labelled alias keeps its label").isTrue();
        assertThat(bounded.holds("alias-1")).isTrue();
        assertThat(bounded.holds("alias-3")).as("folded, still configured").isTrue();
        assertThat(bounded.holds("alias-2")).isFalse();
        assertThat(bounded.holds("alias-4")).isFalse();
        assertThat(bounded.holds("alias-5")).isFalse();
        assertThat(bounded.forgetFolded(configured::contains)).as("nothing left to forget").isZero();

        // used again: folded again (the labels are still taken), counted again, and recorded under other as before
        GatewayMetrics.Alias back = bounded.alias("alias-4");
        assertThat(back.label()).isEqualTo(GatewayMetrics.OTHER);
        bounded.request(back.series("openai"), 200, 1_000_000);
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(5);
        assertThat(reg.get("nexus.requests").tags("model", "other").counter().count()).isEqualTo(5);
        assertThat(bounded.labelledAliases()).isEqualTo(2);
    }

    @Test
    void aliasesPastTheBoundAreRecordedUnderOtherWithExactTotals() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        GatewayMetrics bounded = new GatewayMetrics(reg, 3);
        int aliases = 3 + 4;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < aliases; i++) {
                String alias = "alias-" + i;
                GatewayMetrics.Alias a = bounded.alias(alias);
                bounded.request(a.series("openai"), 200, 1_000_000);
                bounded.overhead(a, 1_000_000, 400_000);
                bounded.metered(a.series("openai"), 10, 1, 0.5);
            }
        }
        bounded.request("openai", GatewayMetrics.UNKNOWN, 404, 1_000_000); // not an alias: never counts against the bound

        Set<String> labels = new HashSet<>();
        reg.find("nexus.requests").counters().forEach(c -> labels.add(c.getId().getTag("model")));
        assertThat(labels).containsExactlyInAnyOrder("alias-0", "alias-1", "alias-2", "other", "unknown");
        assertThat(bounded.labelledAliases()).isEqualTo(3);
        // the same label sets on every per-alias meter
        Set<String> overheadLabels = new HashSet<>();
        reg.find("nexus.gateway.overhead").timers().forEach(t -> overheadLabels.add(t.getId().getTag("model")));
        assertThat(overheadLabels).containsExactlyInAnyOrder("alias-0", "alias-1", "alias-2", "other");
        Set<String> tokenLabels = new HashSet<>();
        reg.find("nexus.tokens").counters().forEach(c -> tokenLabels.add(c.getId().getTag("model")));
        assertThat(tokenLabels).containsExactlyInAnyOrder("alias-0", "alias-1", "alias-2", "other");

        // each folded alias counted once, however often it is used
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(4);
        // totals exact: labelled plus other = every request
        assertThat(reg.get("nexus.requests").tags("model", "alias-1").counter().count()).isEqualTo(5);
        assertThat(reg.get("nexus.requests").tags("model", "other").counter().count()).isEqualTo(4 * 5);
        double total = reg.find("nexus.requests").tag("status", "200").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(total).isEqualTo(aliases * 5);
        assertThat(reg.get("nexus.latency").tags("model", "other").timer().count()).isEqualTo(20);
        assertThat(reg.get("nexus.gateway.overhead").tags("model", "other").timer().totalTime(TimeUnit.NANOSECONDS))
                .isEqualTo(20 * 600_000);
        assertThat(reg.get("nexus.tokens").tags("model", "other", "type", "prompt").counter().count()).isEqualTo(20 * 10);
        assertThat(reg.get("nexus.cost").tags("model", "other").counter().count()).isEqualTo(20 * 0.5);
        double tokens = reg.find("nexus.tokens").tag("type", "prompt").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(tokens).isEqualTo(aliases * 5 * 10);
    }

    @Test
    void aLabelledAliasKeepsItsHolderAndFoldedOnesShareOne() {
        GatewayMetrics bounded = new GatewayMetrics(new SimpleMeterRegistry(), 1);
        GatewayMetrics.Alias first = bounded.alias("first");
        assertThat(first.label()).isEqualTo("first");
        assertThat(bounded.alias("first")).isSameAs(first);
        assertThat(first.series("openai")).isSameAs(bounded.series("openai", "first"));
        GatewayMetrics.Alias second = bounded.alias("second");
        assertThat(second.label()).isEqualTo("other");
        assertThat(bounded.alias("third")).isSameAs(second);
        assertThat(bounded.series("openai", "third")).isSameAs(second.series("openai"));
        assertThat(bounded.alias("unknown").label()).isEqualTo("unknown");
        assertThat(bounded.alias(null).label()).isEqualTo("unknown");
    }

    @Test
    void aTargetMemoisesTheSeriesOfItsAliasAndProviderAndARecompiledTargetFindsTheSameOne() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        GatewayMetrics bounded = new GatewayMetrics(reg, 1);
        RouteTable table = compile(1, "chat", "folded");
        RouteTable.Route chat = table.route("chat");
        Target target = chat.targets().getFirst();
        assertThat(target.series()).isNull();

        GatewayMetrics.Series s = bounded.series(chat, target);
        assertThat(s).isSameAs(bounded.series("acme", "chat"));
        assertThat(s.alias()).isSameAs(bounded.alias("chat"));
        assertThat(s.alias().label()).isEqualTo("chat");
        assertThat(target.series()).isSameAs(s);
        assertThat(bounded.series(chat, target)).isSameAs(s);
        // past the bound: the shared "other" holder
        RouteTable.Route folded = table.route("folded");
        GatewayMetrics.Series f = bounded.series(folded, folded.targets().getFirst());
        assertThat(f.alias().label()).isEqualTo("other");
        // no deployment reached: the alias's "none" series, nothing memoised; no route: "unknown"
        assertThat(bounded.series(chat, null)).isSameAs(bounded.series(GatewayMetrics.NONE, "chat")).isNotSameAs(s);
        assertThat(bounded.series((RouteTable.Route) null, null).alias().label()).isEqualTo("unknown");

        // the same deployments compiled anew (a route change): new targets, the same series, each folded alias counted once
        RouteTable again = compile(2, "chat", "folded");
        Target chatAgain = again.route("chat").targets().getFirst();
        assertThat(chatAgain).isNotSameAs(target);
        assertThat(bounded.series(again.route("chat"), chatAgain)).isSameAs(s);
        assertThat(bounded.series(again.route("folded"), again.route("folded").targets().getFirst())).isSameAs(f);
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(1.0);
    }

    /** A table of the given aliases, each one deployment of provider "acme". */
    private static RouteTable compile(long version, String... aliases) {
        EnvelopeCipher cipher = new EnvelopeCipher("metrics-test-master-secret-0123456789abcdef", Duration.ofHours(1));
        Map<String, RouteEntry> routes = new java.util.HashMap<>();
        long id = 1;
        for (String alias : aliases) {
            Deployment d = new Deployment(id++, 3, "acme", ProviderKind.OPENAI, "https://acme.test/v1", cipher.encrypt("sk-acme"),
                    "gpt-4o", 1, 0, null, null, 1, BigDecimal.ONE, Map.of(), null);
            routes.put(alias, new RouteEntry(alias, 0, List.of(d), null));
        }
        return RouteTable.compile(new RouteSnapshot(version, Instant.now(), routes), cipher);
    }

    @Test
    void boundZeroFoldsEveryAliasAndANegativeBoundIsRefused() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        GatewayMetrics none = new GatewayMetrics(reg, 0);
        assertThat(none.alias("a").label()).isEqualTo("other");
        assertThat(none.alias("b").label()).isEqualTo("other");
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(2);
        assertThatThrownBy(() -> new GatewayMetrics(new SimpleMeterRegistry(), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NEXUS_METRICS_MAX_ALIASES");
    }

    @Test
    void theFoldedCounterIsExportedBeforeAnyAliasIsFolded() {
        assertThat(registry.get("nexus.metrics.aliases.folded").counter().count()).isZero();
    }

    @Test
    void concurrentFirstUsesNeverExceedTheBound() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        GatewayMetrics bounded = new GatewayMetrics(reg, 50);
        int threads = 8;
        int aliases = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < threads; t++) {
                int offset = t;
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < aliases; i++) {
                        String alias = "alias-" + ((i + offset * 37) % aliases);
                        bounded.request(bounded.series("openai", alias), 200, 1_000);
                    }
                    return null;
                });
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        Set<String> labels = new HashSet<>();
        reg.find("nexus.requests").counters().forEach(c -> labels.add(c.getId().getTag("model")));
        assertThat(labels).hasSize(50 + 1).contains("other");
        assertThat(bounded.labelledAliases()).isEqualTo(50);
        assertThat(reg.get("nexus.metrics.aliases.folded").counter().count()).isEqualTo(aliases - 50);
        double total = reg.find("nexus.requests").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(total).isEqualTo(threads * aliases);
    }

    @Test
    void activeStreamsGoBackToZero() {
        var gauge = registry.get("nexus.active.streams").gauge();
        assertThat(gauge.value()).isZero();
        metrics.streamStarted();
        metrics.streamStarted();
        assertThat(gauge.value()).isEqualTo(2);
        metrics.streamEnded();
        metrics.streamEnded();
        assertThat(gauge.value()).isZero();
    }
}
