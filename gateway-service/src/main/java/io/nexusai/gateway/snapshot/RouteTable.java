package io.nexusai.gateway.snapshot;

import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes the gateway serves from: a {@link RouteSnapshot} with provider keys decrypted once, when the
 * snapshot is installed. Immutable; replaced as a whole.
 */
public final class RouteTable {
    private static final Logger LOG = Logger.getLogger(RouteTable.class);

    /** The deployments of one alias, and when it was created (epoch seconds). */
    public record Route(String alias, long created, List<Target> targets) {
    }

    private final RouteSnapshot snapshot;
    private final Map<String, Route> routes;

    private RouteTable(RouteSnapshot snapshot, Map<String, Route> routes) {
        this.snapshot = snapshot;
        this.routes = routes;
    }

    /** Compiles a snapshot; a deployment whose key does not decrypt is left out (and logged, without the key). */
    public static RouteTable compile(RouteSnapshot snapshot, EnvelopeCipher cipher) {
        Map<String, Route> routes = new HashMap<>();
        for (RouteEntry entry : snapshot.routes().values()) {
            List<Target> targets = new ArrayList<>(entry.deployments().size());
            for (Deployment d : entry.deployments()) {
                try {
                    targets.add(new Target(d, cipher.decrypt(d.apiKeyEnvelope())));
                } catch (IllegalArgumentException e) {
                    LOG.errorf("deployment %d of '%s' (provider %s) skipped: its API key does not decrypt with this DB_ENCRYPTION_KEY",
                            d.id(), entry.alias(), d.providerName());
                }
            }
            if (!targets.isEmpty()) {
                routes.put(entry.alias(), new Route(entry.alias(), entry.created(), List.copyOf(targets)));
            }
        }
        return new RouteTable(snapshot, Map.copyOf(routes));
    }

    /** The route of an alias, or {@code null}. */
    public Route route(String alias) {
        return routes.get(alias);
    }

    /** Every alias, in no particular order. */
    public java.util.Collection<Route> routes() {
        return routes.values();
    }

    public long version() {
        return snapshot.version();
    }

    public RouteSnapshot snapshot() {
        return snapshot;
    }

    public int size() {
        return routes.size();
    }
}
