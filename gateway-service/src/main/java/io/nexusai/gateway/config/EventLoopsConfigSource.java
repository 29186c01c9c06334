package io.nexusai.gateway.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Sizes the Vert.x event-loop pool to the CPUs this JVM may use (container limits included) instead of
 * Quarkus' default of twice that: cross-loop wake-ups cost more than they give on a proxy's hot path.
 * Ordinal 150, below application.properties, so {@code NEXUS_EVENT_LOOPS} or explicit configuration wins.
 */
public class EventLoopsConfigSource implements ConfigSource {
    private static final String PROPERTY = "quarkus.vertx.event-loops-pool-size";

    @Override
    public Map<String, String> getProperties() {
        return Map.of(PROPERTY, value());
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(PROPERTY);
    }

    @Override
    public String getValue(String propertyName) {
        return PROPERTY.equals(propertyName) ? value() : null;
    }

    private static String value() {
        String configured = System.getenv("NEXUS_EVENT_LOOPS");
        if (configured != null && configured.matches("\\d{1,4}") && Integer.parseInt(configured) > 0) {
            return configured;
        }
        return Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public String getName() {
        return "nexus-event-loops";
    }

    @Override
    public int getOrdinal() {
        return 150;
    }
}
