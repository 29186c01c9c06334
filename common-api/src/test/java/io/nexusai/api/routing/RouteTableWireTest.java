package io.nexusai.api.routing;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTableWireTest {
    static final Deployment.Price PRICE = new Deployment.Price(new BigDecimal("2.50"), new BigDecimal("10.00"), "USD", new BigDecimal("1.25"), null);

    static Deployment deployment(long id, long provider, String model, Deployment.Price price, Map<String, Integer> regions) {
        return new Deployment(id, provider, "p-" + provider, provider % 2 == 0 ? ProviderKind.AZURE : ProviderKind.OPENAI,
                "https://p" + provider + ".test/v1", "nxenc:v1:key-" + provider, model, 100, 60, provider == 2 ? "eastus" : null,
                regions, 1 + (int) (id % 2), new BigDecimal("1.5"), provider == 2 ? Map.of("api_version", "2024-10-21") : Map.of(), price);
    }

    static RouteDelta table(int aliases) {
        Map<String, RouteEntry> routes = new LinkedHashMap<>();
        for (int i = 0; i < aliases; i++) {
            String alias = "alias-" + i;
            List<Deployment> ds = i % 3 == 0
                    ? List.of(deployment(i * 10L, 1, "gpt-4o", PRICE, Map.of()), deployment(i * 10L + 1, 2, "gpt-4o-deploy", null, Map.of("eastus", 60, "westus", 40)))
                    : List.of(deployment(i * 10L, 1, "gpt-4o-mini", null, Map.of()));
            routes.put(alias, new RouteEntry(alias, 1_700_000_000L + i, ds,
                    i % 5 == 0 ? new AliasPolicy("latency", 2, 1_000, 2_000, 3_000, 4_000) : null));
        }
        return new RouteDelta(true, -1, 42, Instant.parse("2026-12-06T18:00:00Z"), routes, List.of());
    }

    static byte[] bytes(RouteDelta table) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RouteTableWire.write(out, table);
        return out.toByteArray();
    }

    @Test
    void aWholeTableRoundTripsAndSharesProviderObjects() throws Exception {
        RouteDelta table = table(300);
        byte[] wire = bytes(table);
        RouteDelta read = RouteTableWire.read(new ByteArrayInputStream(wire));
        assertThat(read).isEqualTo(table);
        Deployment a = read.routes().get("alias-1").deployments().getFirst();
        Deployment b = read.routes().get("alias-2").deployments().getFirst();
        assertThat(a.apiKeyEnvelope()).isSameAs(b.apiKeyEnvelope());
        assertThat(a.endpoint()).isSameAs(b.endpoint());
        assertThat(a.realModel()).isSameAs(b.realModel());
        assertThat(read.routes().get("alias-0").deployments().get(1).settings())
                .isSameAs(read.routes().get("alias-3").deployments().get(1).settings());
        // providers listed once, not per deployment
        String text = new String(wire, StandardCharsets.UTF_8);
        assertThat(text.split("nxenc:v1:key-1", -1)).hasSize(2);
        assertThat(text).startsWith("{\"format\":\"" + RouteTableWire.FORMAT + "\"");
    }

    @Test
    void aDeltaRoundTripsWithItsRemovedAliases() throws Exception {
        RouteDelta full = table(4);
        RouteDelta delta = new RouteDelta(false, 40, 42, full.generatedAt(), Map.of("alias-1", full.routes().get("alias-1")), List.of("gone-1", "gone-2"));
        assertThat(RouteTableWire.read(new ByteArrayInputStream(bytes(delta)))).isEqualTo(delta);
        RouteDelta empty = new RouteDelta(false, 41, 42, full.generatedAt(), Map.of(), List.of());
        assertThat(RouteTableWire.read(new ByteArrayInputStream(bytes(empty)))).isEqualTo(empty);
    }

    @Test
    void anotherFormatOrATruncatedTableIsRefused() throws Exception {
        String old = "{\"version\":3,\"generated_at\":\"2026-01-01T00:00:00Z\",\"routes\":{}}";
        assertThatThrownBy(() -> RouteTableWire.read(new ByteArrayInputStream(old.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(RouteTableWire.UnsupportedFormatException.class);
        String future = "{\"format\":\"nexus-routes/3\",\"routes\":[]}";
        assertThatThrownBy(() -> RouteTableWire.read(new ByteArrayInputStream(future.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(RouteTableWire.UnsupportedFormatException.class);
        byte[] wire = bytes(table(50));
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 40);
        assertThatThrownBy(() -> RouteTableWire.read(new ByteArrayInputStream(cut))).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aCatalogueAliasTakesAboutTwoHundredBytes() throws Exception {
        Map<String, RouteEntry> routes = new LinkedHashMap<>();
        for (int i = 0; i < 1_000; i++) {
            String alias = String.format("bench-alias-%06d", i);
            routes.put(alias, new RouteEntry(alias, 1_765_000_000L, List.of(new Deployment(100_000 + i, 1, "demo", ProviderKind.OPENAI,
                    "http://127.0.0.1:8090/v1", "nxenc:v1:" + "x".repeat(80), "gpt-4o-mini", 100, 0, null, Map.of(), 1, BigDecimal.ONE, Map.of(), PRICE)), null));
        }
        byte[] wire = bytes(new RouteDelta(true, -1, 1, Instant.now(), routes, List.of()));
        assertThat(wire.length / 1_000).isLessThan(200);
    }
}
