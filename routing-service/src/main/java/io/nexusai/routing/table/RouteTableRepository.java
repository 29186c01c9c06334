package io.nexusai.routing.table;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteTableWire;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Cursor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.PreparedStatement;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the route table from the control-plane schema: every active route of an active provider, grouped by
 * alias, with route-level weight and rate limit falling back to the provider's, and the real model's price (for
 * the gateways' budget reservations). Provider API keys stay
 * encrypted; gateways decrypt them with {@code DB_ENCRYPTION_KEY}. Besides the whole table, it answers the changes
 * after a version from the change log the database keeps ({@code config_changes}, migration V8).
 *
 * <p>Both are streamed in {@link RouteTableWire}'s format, never held whole: {@link #open} does everything that can
 * fail before the first byte (connection, repeatable-read transaction, version, changed aliases, providers, prices,
 * the first {@value #FETCH} rows of a cursor) so a database failure there is still answered as the 503 it is; then
 * {@link Table#writeTo} writes entry by entry, reading the cursor {@value #FETCH} rows at a time.
 */
@ApplicationScoped
public class RouteTableRepository {
    /** Rows in alias order, so each alias's rows come together; the alias policy joined in (null: default). */
    private static final String ROUTES = """
            SELECT r.id, r.model_alias, r.real_model_name, r.cost_multiplier, r.region_weights, r.priority,
                   extract(epoch FROM r.created_at)::bigint AS created,
                   COALESCE(r.weight, p.weight) AS weight, COALESCE(r.rate_limit, p.rate_limit) AS rate_limit,
                   r.provider_id, a.strategy, a.max_attempts, a.connect_timeout_ms, a.first_byte_timeout_ms,
                   a.idle_timeout_ms, a.total_timeout_ms, a.alias AS policy_alias
              FROM model_routes r
              JOIN service_providers p ON p.id = r.provider_id
              LEFT JOIN model_aliases a ON a.alias = r.model_alias
             WHERE r.is_active AND p.is_active %s
             ORDER BY r.model_alias, r.priority, r.id
            """;
    private static final String PROVIDERS = """
            SELECT p.id, p.name, p.kind, p.endpoint, p.api_key, p.region, p.settings FROM service_providers p
             WHERE p.is_active %s ORDER BY p.id
            """;
    private static final String PRICES = """
            SELECT mp.model, mp.input_per_million, mp.output_per_million, mp.currency, mp.cached_input_per_million,
                   mp.cache_write_per_million
              FROM model_prices mp
             WHERE mp.model IN (SELECT r.real_model_name FROM model_routes r WHERE r.is_active %s)
            """;
    /**
     * The aliases changed after a version (V8's change log): aliases recorded as such, and every alias with a route
     * (active or not) to a changed provider or to a real model whose price changed. (The CASE keeps the cast of a
     * provider id from ever meeting an alias key, whatever order the planner evaluates the conditions in.)
     */
    private static final String CHANGED_ALIASES = """
            SELECT c.key AS alias FROM config_changes c WHERE c.version > $1 AND c.scope = 'alias'
            UNION
            SELECT r.model_alias FROM model_routes r
             WHERE r.provider_id IN (SELECT CASE WHEN c.scope = 'provider' THEN c.key::bigint END
                                       FROM config_changes c WHERE c.version > $1 AND c.scope = 'provider')
            UNION
            SELECT r.model_alias FROM config_changes c JOIN model_routes r ON r.real_model_name = c.key
             WHERE c.version > $1 AND c.scope = 'price'
            """;
    /** Rows fetched from the cursor at a time. */
    static final int FETCH = 1_000;
    /** Longest wait for one fetch of the cursor (the bounded pool bounds every other round trip). */
    private static final Duration FETCH_BOUND = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(RouteTableRepository.class);

    /** Default of {@code nexus.routing.delta-max-aliases}. */
    public static final int DEFAULT_DELTA_MAX_ALIASES = 10_000;

    private final Pool pool;
    private final int deltaMaxAliases;

    public RouteTableRepository(Pool pool,
                                @ConfigProperty(name = "nexus.routing.delta-max-aliases", defaultValue = "" + DEFAULT_DELTA_MAX_ALIASES) int deltaMaxAliases) {
        if (deltaMaxAliases < 0) {
            throw new IllegalArgumentException("nexus.routing.delta-max-aliases (NEXUS_ROUTING_DELTA_MAX_ALIASES) must be 0 or more, not " + deltaMaxAliases);
        }
        this.pool = pool;
        this.deltaMaxAliases = deltaMaxAliases;
    }

    /**
     * Opens the whole table ({@code since} {@code null}), or the changes after version {@code since}: the entries of
     * the aliases changed since then as they are now, and those of them without an active deployment as removed; the
     * whole table when the kept change log does not reach back to {@code since} (pruned, or recorded only from V8 on)
     * or {@code since} is newer than the database, and when more than {@code nexus.routing.delta-max-aliases} aliases
     * changed (a bulk import or delete: the whole table is read without filtering by a list of that size, and a
     * gateway replaces its table instead of merging that many entries). Read in one repeatable-read transaction, so
     * version and rows agree.
     * Blocks (a worker thread); the caller must {@link Table#writeTo} or {@link Table#close} the result.
     */
    public Table open(Long since) {
        SqlConnection conn = pool.getConnection().await().indefinitely();
        Table table = null;
        try {
            Transaction tx = conn.begin().await().indefinitely();
            conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute().await().indefinitely();
            Row row = conn.query("SELECT version, changes_since FROM config_version WHERE id = 1").execute().await().indefinitely()
                    .iterator().next();
            long version = row.getLong("version");
            boolean full = since == null || since < row.getLong("changes_since") || since > version;
            Set<String> changed = new LinkedHashSet<>();
            if (!full) {
                conn.preparedQuery(CHANGED_ALIASES).execute(Tuple.of(since)).await().indefinitely()
                        .forEach(r -> changed.add(r.getString("alias")));
                if (changed.size() > deltaMaxAliases) {
                    LOG.infof("%d aliases changed after version %d (more than nexus.routing.delta-max-aliases, %d): answering the whole table",
                            changed.size(), since, deltaMaxAliases);
                    full = true;
                    changed.clear();
                }
            }
            RouteTableWire.Header header = new RouteTableWire.Header(full, since == null ? -1 : since, version, Instant.now());
            table = new Table(conn, tx, header, changed);
            if (!full && changed.isEmpty()) {
                return table;
            }
            String[] aliases = changed.toArray(String[]::new);
            Tuple args = full ? Tuple.tuple() : Tuple.of((Object) aliases);
            for (Row p : conn.preparedQuery(PROVIDERS.formatted(full ? "" : "AND p.id IN (SELECT provider_id FROM model_routes WHERE model_alias = ANY($1))"))
                    .execute(args).await().indefinitely()) {
                RouteTableWire.Provider provider = new RouteTableWire.Provider(p.getLong("id"), p.getString("name"),
                        ProviderKind.fromWire(p.getString("kind")), p.getString("endpoint"), p.getString("api_key"), p.getString("region"),
                        stringMap(p.getJsonObject("settings")));
                table.providers.put(provider.id(), provider);
            }
            for (Row p : conn.preparedQuery(PRICES.formatted(full ? "" : "AND r.model_alias = ANY($1)")).execute(args).await().indefinitely()) {
                if (p.getBigDecimal("input_per_million") != null) {
                    table.prices.put(p.getString("model"), new Deployment.Price(p.getBigDecimal("input_per_million"),
                            p.getBigDecimal("output_per_million"), p.getString("currency"),
                            p.getBigDecimal("cached_input_per_million"), p.getBigDecimal("cache_write_per_million")));
                }
            }
            PreparedStatement statement = conn.prepare(ROUTES.formatted(full ? "" : "AND r.model_alias = ANY($1)")).await().indefinitely();
            table.cursor = statement.cursor(args);
            table.batch = table.cursor.read(FETCH).await().atMost(FETCH_BOUND);
            return table;
        } catch (RuntimeException e) {
            if (table != null) {
                table.close();
            } else {
                conn.closeAndForget();
            }
            throw e;
        }
    }

    /** An opened table: its header and first rows read, the rest on a cursor of an open transaction. */
    public static final class Table implements AutoCloseable {
        private final SqlConnection conn;
        private final Transaction tx;
        private final RouteTableWire.Header header;
        /** Delta: the changed aliases; those never seen with a row are removed. */
        private final Set<String> changed;
        private final Map<Long, RouteTableWire.Provider> providers = new HashMap<>();
        private final Map<String, Deployment.Price> prices = new HashMap<>();
        private Cursor cursor;
        private RowSet<Row> batch;
        private boolean closed;

        Table(SqlConnection conn, Transaction tx, RouteTableWire.Header header, Set<String> changed) {
            this.conn = conn;
            this.tx = tx;
            this.header = header;
            this.changed = changed;
        }

        public RouteTableWire.Header header() {
            return header;
        }

        /** Writes the table in {@link RouteTableWire}'s format, one entry at a time, then closes. */
        public void writeTo(OutputStream out) throws IOException {
            try (RouteTableWire.Writer writer = new RouteTableWire.Writer(out)) {
                writer.begin(header, List.copyOf(providers.values()), List.copyOf(new LinkedHashSet<>(prices.values())));
                String alias = null;
                long created = Long.MAX_VALUE;
                AliasPolicy policy = null;
                List<Deployment> deployments = new ArrayList<>();
                while (batch != null) {
                    for (Row row : batch) {
                        String rowAlias = row.getString("model_alias");
                        if (!rowAlias.equals(alias)) {
                            if (alias != null) {
                                writer.entry(new RouteEntry(alias, created, deployments, policy));
                                changed.remove(alias);
                            }
                            alias = rowAlias;
                            created = Long.MAX_VALUE;
                            policy = policy(row);
                            deployments = new ArrayList<>();
                        }
                        deployments.add(toDeployment(row, providers, prices));
                        created = Math.min(created, row.getLong("created"));
                    }
                    writer.flush();
                    batch = cursor.hasMore() ? cursor.read(FETCH).await().atMost(FETCH_BOUND) : null;
                }
                if (alias != null) {
                    writer.entry(new RouteEntry(alias, created, deployments, policy));
                    changed.remove(alias);
                }
                writer.end(header.full() ? List.of() : changed.stream().sorted().toList());
            } finally {
                close();
            }
        }

        /** Ends the (read-only) transaction and gives the connection back. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (cursor != null) {
                    cursor.closeAndForget();
                }
                tx.rollback().await().indefinitely();
            } catch (RuntimeException e) {
                LOG.debugf("route table transaction end: %s", e.getMessage());
            } finally {
                conn.closeAndForget();
            }
        }
    }

    private static AliasPolicy policy(Row row) {
        if (row.getString("policy_alias") == null) {
            return null;
        }
        return new AliasPolicy(row.getString("strategy"), row.getInteger("max_attempts"), row.getInteger("connect_timeout_ms"),
                row.getInteger("first_byte_timeout_ms"), row.getInteger("idle_timeout_ms"), row.getInteger("total_timeout_ms"));
    }

    private static Deployment toDeployment(Row row, Map<Long, RouteTableWire.Provider> providers, Map<String, Deployment.Price> prices) {
        RouteTableWire.Provider p = providers.get(row.getLong("provider_id"));
        if (p == null) {
            throw new IllegalStateException("route " + row.getLong("id") + ": provider " + row.getLong("provider_id") + " not read");
        }
        String model = row.getString("real_model_name");
        return new Deployment(
                row.getLong("id"),
                p.id(),
                p.name(),
                p.kind(),
                p.endpoint(),
                p.apiKeyEnvelope(),
                model,
                row.getInteger("weight"),
                row.getInteger("rate_limit"),
                p.region(),
                intMap(row.getJsonObject("region_weights")),
                row.getInteger("priority"),
                row.getBigDecimal("cost_multiplier"),
                p.settings(),
                prices.get(model));
    }

    private static Map<String, Integer> intMap(JsonObject json) {
        Map<String, Integer> out = new HashMap<>();
        if (json != null) {
            json.forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).intValue()));
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonObject json) {
        Map<String, String> out = new HashMap<>();
        if (json != null) {
            json.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
        }
        return out;
    }
}
