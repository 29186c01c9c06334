package io.nexusai.gateway.routing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.gateway.snapshot.RouteTable;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Routes and health registries for selection tests, compiled the way the gateway compiles a snapshot. */
final class RoutingFixtures {
    static final EnvelopeCipher CIPHER = new EnvelopeCipher("routing-test-master-secret-0123456789", Duration.ofHours(1));

    private RoutingFixtures() {
    }

    static Deployment deployment(long id, String provider, int weight, int priority, Map<String, Integer> regions) {
        return new Deployment(id, id, provider, ProviderKind.OPENAI, "http://127.0.0.1:9/v1", CIPHER.encrypt("sk-test"), "m" + id,
                weight, 0, null, regions, priority, BigDecimal.ONE, Map.of(), null);
    }

    static RouteTable.Route route(AliasPolicy policy, Deployment... deployments) {
        RouteEntry entry = new RouteEntry("alias", 0, List.of(deployments), policy);
        return RouteTable.compile(new RouteSnapshot(1, Instant.now(), Map.of("alias", entry)), CIPHER).route("alias");
    }

    static HealthRegistry registry(int volume, Duration delay) {
        HealthRegistry.Settings settings = new HealthRegistry.Settings() {
            @Override
            public int breakerRequestVolume() {
                return volume;
            }

            @Override
            public double breakerFailureRatio() {
                return 0.5;
            }

            @Override
            public Duration breakerDelay() {
                return delay;
            }

            @Override
            public int breakerSuccessThreshold() {
                return 1;
            }

            @Override
            public double localRateLimitShare() {
                return 1.0;
            }
        };
        return new HealthRegistry(settings, new SimpleMeterRegistry());
    }
}
