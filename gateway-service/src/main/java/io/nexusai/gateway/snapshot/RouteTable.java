package io.nexusai.gateway.snapshot;

import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.nexusai.api.routing.RouteTableWire;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routes the gateway serves from: a {@link RouteSnapshot} compiled once per snapshot — provider keys
 * decrypted, and routes with region weights split into one target per region (the route's weight shared out by
 * the region weights; {@code {region}} or {@code {resource}} in the endpoint replaced by the region, or by the
 * provider setting {@code resource.<region>}). Immutable; replaced as a whole, by a new snapshot or by a delta
 * applied to it ({@link #apply}).
 */
public final class RouteTable {
    private static final Logger LOG = Logger.getLogger(RouteTable.class);

    /** The targets of one alias, when it was created (epoch seconds), and its routing policy. */
    public record Route(String alias, long created, List<Target> targets, AliasPolicy policy) {
    }

    private final RouteSnapshot snapshot;
    private final Map<String, Route> routes;

    private RouteTable(RouteSnapshot snapshot, Map<String, Route> routes) {
        this.snapshot = snapshot;
        this.routes = routes;
    }

    /**
     * Compiles a snapshot; a deployment whose key does not decrypt is left out (and logged, without the key). Each
     * distinct key envelope is decrypted once: the routes of one provider (thousands of aliases at catalogue size)
     * share one plaintext key rather than each holding, and paying the decryption of, its own copy.
     */
    public static RouteTable compile(RouteSnapshot snapshot, EnvelopeCipher cipher) {
        Builder builder = new Builder(null, cipher);
        builder.begin(new RouteTableWire.Header(true, -1, snapshot.version(), snapshot.generatedAt()));
        snapshot.routes().values().forEach(builder::entry);
        return builder.build();
    }

    /**
     * The next table: this one with a delta from routing-service applied (copy on write). Only the changed aliases
     * are compiled (each distinct key envelope among them decrypted once); every other alias keeps its entry and its
     * compiled route, shared with this table. The result equals {@link #compile} of the snapshot the delta leads to.
     *
     * @throws IllegalArgumentException when the delta is a whole table or does not start from this table's version
     */
    public RouteTable apply(RouteDelta delta, EnvelopeCipher cipher) {
        if (delta.full()) {
            throw new IllegalArgumentException("delta from version " + delta.since() + " (full) does not apply to table version " + version());
        }
        Builder builder = new Builder(this, cipher);
        builder.begin(new RouteTableWire.Header(false, delta.since(), delta.version(), delta.generatedAt()));
        delta.removed().forEach(builder::removed);
        delta.routes().values().forEach(builder::entry);
        return builder.build();
    }

    /**
     * Builds the next table entry by entry as a pull reads it ({@link RouteTableWire#read(java.io.InputStream,
     * RouteTableWire.Sink)}): a whole table, or a delta to {@code previous}. An entry equal to the one {@code previous}
     * holds keeps that entry's and its compiled route's objects (so a periodic whole pull of an unchanged table
     * allocates nothing that outlives it, and decrypts nothing); a changed one is compiled, each distinct key envelope
     * decrypted once per pull.
     */
    public static final class Builder implements RouteTableWire.Sink {
        private final RouteTable previous;
        private final EnvelopeCipher cipher;
        private final Map<String, String> decrypted = new HashMap<>();
        private RouteTableWire.Header header;
        private Map<String, RouteEntry> entries;
        private Map<String, Route> compiled;

        /** @param previous the table now served ({@code null}: none yet) */
        public Builder(RouteTable previous, EnvelopeCipher cipher) {
            this.previous = previous;
            this.cipher = cipher;
        }

        /** @throws IllegalArgumentException when a delta does not start from the previous table's version */
        @Override
        public void begin(RouteTableWire.Header header) {
            this.header = header;
            if (header.full()) {
                entries = new HashMap<>();
                compiled = new HashMap<>();
                return;
            }
            if (previous == null || header.since() != previous.version()) {
                throw new IllegalArgumentException("delta from version " + header.since() + " does not apply to table version "
                        + (previous == null ? "none" : previous.version()));
            }
            entries = new HashMap<>(previous.snapshot.routes());
            compiled = new HashMap<>(previous.routes);
        }

        @Override
        public void entry(RouteEntry entry) {
            RouteEntry kept = previous == null ? null : previous.snapshot.routes().get(entry.alias());
            if (entry.equals(kept)) {
                entries.put(entry.alias(), kept);
                Route route = previous.routes.get(entry.alias());
                if (route == null) {
                    compiled.remove(entry.alias());
                } else {
                    compiled.put(entry.alias(), route);
                }
                return;
            }
            entries.put(entry.alias(), entry);
            Route route = compile(entry, cipher, decrypted);
            if (route == null) {
                compiled.remove(entry.alias());
            } else {
                compiled.put(entry.alias(), route);
            }
        }

        @Override
        public void removed(String alias) {
            entries.remove(alias);
            compiled.remove(alias);
        }

        /** What the text said before its entries; {@code null} before {@link #begin}. */
        public RouteTableWire.Header header() {
            return header;
        }

        public RouteTable build() {
            if (header == null) {
                throw new IllegalStateException("no table read");
            }
            return new RouteTable(new RouteSnapshot(header.version(), header.generatedAt(), entries), Map.copyOf(compiled));
        }
    }

    /**
     * One alias's route, or {@code null} when none of its deployments is usable. {@code decrypted} holds the keys
     * already decrypted by this compile (envelope → plaintext), so each distinct envelope is decrypted once.
     */
    private static Route compile(RouteEntry entry, EnvelopeCipher cipher, Map<String, String> decrypted) {
        List<Target> targets = new ArrayList<>(entry.deployments().size());
        for (Deployment d : entry.deployments()) {
            String apiKey = decrypted.get(d.apiKeyEnvelope());
            try {
                if (apiKey == null) {
                    apiKey = cipher.decrypt(d.apiKeyEnvelope());
                    decrypted.put(d.apiKeyEnvelope(), apiKey);
                }
            } catch (IllegalArgumentException e) {
                LOG.errorf("deployment %d of '%s' (provider %s) skipped: its API key does not decrypt with this DB_ENCRYPTION_KEY",
                        d.id(), entry.alias(), d.providerName());
                continue;
            }
            try {
                targets.addAll(expand(d, apiKey));
            } catch (IllegalArgumentException e) {
                LOG.errorf("deployment %d of '%s' (provider %s) skipped: its secret is not the AWS credentials a %s provider needs",
                        d.id(), entry.alias(), d.providerName(), d.providerKind().wire());
            }
        }
        return targets.isEmpty() ? null : new Route(entry.alias(), entry.created(), List.copyOf(targets), entry.policy());
    }

    /** One target per region of a route with region weights, else the route itself. */
    static List<Target> expand(Deployment d, String apiKey) {
        if (d.regionWeights().isEmpty()) {
            return List.of(new Target(d, apiKey, d.weight()));
        }
        long total = d.regionWeights().values().stream().mapToLong(Integer::longValue).sum();
        if (total <= 0) {
            return List.of();
        }
        List<Target> out = new ArrayList<>();
        for (Map.Entry<String, Integer> region : new TreeMap<>(d.regionWeights()).entrySet()) {
            if (region.getValue() <= 0) {
                continue;
            }
            String resource = d.settings().getOrDefault("resource." + region.getKey(), region.getKey());
            String endpoint = d.endpoint().replace("{region}", region.getKey()).replace("{resource}", resource);
            out.add(new Target(d.inRegion(region.getKey(), endpoint), apiKey, (double) d.weight() * region.getValue() / total));
        }
        return out;
    }

    /** The route of an alias, or {@code null}. */
    public Route route(String alias) {
        return routes.get(alias);
    }

    /** Every alias, in no particular order. */
    public Collection<Route> routes() {
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
