package io.nexusai.routing.table;

import io.nexusai.api.routing.AliasPolicy;
import io.nexusai.api.routing.Deployment;
import io.nexusai.api.routing.ProviderKind;
import io.nexusai.api.routing.RouteDelta;
import io.nexusai.api.routing.RouteEntry;
import io.nexusai.api.routing.RouteSnapshot;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the route table from the control-plane schema: every active route of an active provider, grouped by
 * alias, with route-level weight and rate limit falling back to the provider's, and the real model's price (for
 * the gateways' budget reservations). Provider API keys stay
 * encrypted; gateways decrypt them with {@code DB_ENCRYPTION_KEY}. Besides the whole table, it answers the changes
 * after a version from the change log the database keeps ({@code config_changes}, migration V8).
 */
@ApplicationScoped
public class RouteTableRepository {
    private static final String ROUTES = """
            SELECT r.id, r.model_alias, r.real_model_name, r.cost_multiplier, r.region_weights, r.priority,
                   extract(epoch FROM r.created_at)::bigint AS created,
                   COALESCE(r.weight, p.weight) AS weight, COALESCE(r.rate_limit, p.rate_limit) AS rate_limit,
                   p.id AS provider_id, p.name AS provider_name, p.kind, p.endpoint, p.api_key, p.region, p.settings,
                   mp.input_per_million, mp.output_per_million, mp.currency, mp.cached_input_per_million,
                   mp.cache_write_per_million
              FROM model_routes r
              JOIN service_providers p ON p.id = r.provider_id
              LEFT JOIN model_prices mp ON mp.model = r.real_model_name
             WHERE r.is_active AND p.is_active %s
             ORDER BY r.model_alias, r.priority, r.id
            """;
    private static final String POLICIES = """
            SELECT alias, strategy, max_attempts, connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, total_timeout_ms
              FROM model_aliases %s
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
    private final Pool pool;

    public RouteTableRepository(Pool pool) {
        this.pool = pool;
    }

    /** The current snapshot, read in one repeatable-read transaction so version and rows agree. */
    public Uni<RouteSnapshot> snapshot() {
        return pool.withTransaction(conn -> repeatableRead(conn)
                .flatMap(ignored -> conn.query("SELECT version FROM config_version WHERE id = 1").execute())
                .flatMap(versionRows -> entries(conn, null).map(routes ->
                        new RouteSnapshot(versionRows.iterator().next().getLong("version"), Instant.now(), routes))));
    }

    /**
     * The changes after version {@code since}, read in one repeatable-read transaction: the entries of the aliases
     * changed since then as they are now, and those of them without an active deployment as removed. The whole
     * table when the kept change log does not reach back to {@code since} (pruned, or recorded only from V8 on) or
     * {@code since} is newer than the database.
     */
    public Uni<RouteDelta> changes(long since) {
        return pool.withTransaction(conn -> repeatableRead(conn)
                .flatMap(ignored -> conn.query("SELECT version, changes_since FROM config_version WHERE id = 1").execute())
                .flatMap(versionRows -> {
                    Row row = versionRows.iterator().next();
                    long version = row.getLong("version");
                    if (since < row.getLong("changes_since") || since > version) {
                        return entries(conn, null).map(routes -> RouteDelta.full(since, new RouteSnapshot(version, Instant.now(), routes)));
                    }
                    return conn.preparedQuery(CHANGED_ALIASES).execute(Tuple.of(since)).flatMap(aliasRows -> {
                        List<String> changed = new ArrayList<>();
                        aliasRows.forEach(r -> changed.add(r.getString("alias")));
                        if (changed.isEmpty()) {
                            return Uni.createFrom().item(new RouteDelta(false, since, version, Instant.now(), Map.of(), List.of()));
                        }
                        return entries(conn, changed.toArray(String[]::new)).map(routes -> {
                            List<String> removed = changed.stream().filter(alias -> !routes.containsKey(alias)).sorted().toList();
                            return new RouteDelta(false, since, version, Instant.now(), routes, removed);
                        });
                    });
                }));
    }

    private static Uni<?> repeatableRead(SqlConnection conn) {
        return conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute();
    }

    /** Alias → entry for every alias with an active deployment, or only for those among {@code aliases} when given. */
    private static Uni<Map<String, RouteEntry>> entries(SqlConnection conn, String[] aliases) {
        Tuple args = aliases == null ? Tuple.tuple() : Tuple.of((Object) aliases);
        return conn.preparedQuery(POLICIES.formatted(aliases == null ? "" : "WHERE alias = ANY($1)")).execute(args).flatMap(policyRows -> {
            Map<String, AliasPolicy> policies = new HashMap<>();
            for (Row row : policyRows) {
                policies.put(row.getString("alias"), new AliasPolicy(row.getString("strategy"), row.getInteger("max_attempts"),
                        row.getInteger("connect_timeout_ms"), row.getInteger("first_byte_timeout_ms"),
                        row.getInteger("idle_timeout_ms"), row.getInteger("total_timeout_ms")));
            }
            return conn.preparedQuery(ROUTES.formatted(aliases == null ? "" : "AND r.model_alias = ANY($1)")).execute(args).map(rows -> {
                Map<String, List<Deployment>> byAlias = new LinkedHashMap<>();
                Map<String, Long> created = new HashMap<>();
                for (Row row : rows) {
                    String alias = row.getString("model_alias");
                    byAlias.computeIfAbsent(alias, a -> new ArrayList<>()).add(toDeployment(row));
                    created.merge(alias, row.getLong("created"), Math::min);
                }
                Map<String, RouteEntry> routes = new LinkedHashMap<>();
                byAlias.forEach((alias, deployments) -> routes.put(alias,
                        new RouteEntry(alias, created.get(alias), deployments, policies.get(alias))));
                return routes;
            });
        });
    }

    private static Deployment toDeployment(Row row) {
        return new Deployment(
                row.getLong("id"),
                row.getLong("provider_id"),
                row.getString("provider_name"),
                ProviderKind.fromWire(row.getString("kind")),
                row.getString("endpoint"),
                row.getString("api_key"),
                row.getString("real_model_name"),
                row.getInteger("weight"),
                row.getInteger("rate_limit"),
                row.getString("region"),
                intMap(row.getJsonObject("region_weights")),
                row.getInteger("priority"),
                row.getBigDecimal("cost_multiplier"),
                stringMap(row.getJsonObject("settings")),
                row.getBigDecimal("input_per_million") == null ? null : new Deployment.Price(row.getBigDecimal("input_per_million"),
                        row.getBigDecimal("output_per_million"), row.getString("currency"),
                        row.getBigDecimal("cached_input_per_million"), row.getBigDecimal("cache_write_per_million")));
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
