package io.nexusai.auth.repository;

import io.nexusai.api.auth.KeyLevel;
import io.nexusai.api.auth.Limits;
import io.nexusai.api.auth.Principal;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads keys (admin-service writes them) and turns valid ones into principals. */
@ApplicationScoped
public class KeyRepository {
    private static final String SELECT = """
            SELECT k.id, k.level, k.tenant_id, k.key_hash, k.allowed_models, k.signing_secret,
                   k.rpm_limit, k.tpm_limit, k.daily_token_quota, k.monthly_token_quota, k.daily_cost_budget, k.monthly_cost_budget,
                   t.allowed_models AS tenant_models, t.cors_origins AS tenant_origins,
                   t.rpm_limit AS t_rpm_limit, t.tpm_limit AS t_tpm_limit, t.daily_token_quota AS t_daily_token_quota,
                   t.monthly_token_quota AS t_monthly_token_quota, t.daily_cost_budget AS t_daily_cost_budget,
                   t.monthly_cost_budget AS t_monthly_cost_budget
              FROM api_keys k
              LEFT JOIN tenants t ON t.id = k.tenant_id
             WHERE k.status = 'active'
               AND (k.expires_at IS NULL OR k.expires_at > now())
               AND (k.tenant_id IS NULL OR t.is_active)
            """;
    private final Pool pool;

    public KeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** The principal of a valid key with this hash, or {@code null}. */
    public Uni<Principal> findValid(String keyHash) {
        return pool.preparedQuery(SELECT + " AND k.key_hash = $1").execute(Tuple.of(keyHash))
                .map(rows -> rows.size() == 0 ? null : toPrincipal(rows.iterator().next()));
    }

    /** The principal of a valid key with this public id, or {@code null}. */
    public Uni<Principal> findValidById(String keyId) {
        return pool.preparedQuery(SELECT + " AND k.id = $1").execute(Tuple.of(keyId))
                .map(rows -> rows.size() == 0 ? null : toPrincipal(rows.iterator().next()));
    }

    /** Principals of the valid keys among these hashes, by hash. */
    public Uni<Map<String, Principal>> findValid(List<String> keyHashes) {
        return pool.preparedQuery(SELECT + " AND k.key_hash = ANY($1)")
                .execute(Tuple.of(keyHashes.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Principal> out = new HashMap<>();
                    for (Row row : rows) {
                        out.put(row.getString("key_hash").trim(), toPrincipal(row));
                    }
                    return out;
                });
    }

    /** Principals of the valid keys among these ids, by id. */
    public Uni<Map<String, Principal>> findValidByIds(List<String> keyIds) {
        return pool.preparedQuery(SELECT + " AND k.id = ANY($1)")
                .execute(Tuple.of(keyIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Principal> out = new HashMap<>();
                    for (Row row : rows) {
                        out.put(row.getString("id"), toPrincipal(row));
                    }
                    return out;
                });
    }

    private static Principal toPrincipal(Row row) {
        String[] keyModels = row.getArrayOfStrings("allowed_models");
        String[] tenantModels = row.getArrayOfStrings("tenant_models");
        String[] origins = row.getArrayOfStrings("tenant_origins");
        return new Principal(row.getString("id"), KeyLevel.fromWire(row.getString("level")), row.getString("tenant_id"),
                Principal.effectiveModels(keyModels == null ? null : Arrays.asList(keyModels),
                        tenantModels == null ? null : Arrays.asList(tenantModels)),
                limits(row, ""), limits(row, "t_"), row.getString("signing_secret"), null,
                origins == null ? null : Arrays.asList(origins));
    }

    private static Limits limits(Row row, String prefix) {
        return new Limits(row.getInteger(prefix + "rpm_limit"), row.getInteger(prefix + "tpm_limit"),
                row.getLong(prefix + "daily_token_quota"), row.getLong(prefix + "monthly_token_quota"),
                row.getBigDecimal(prefix + "daily_cost_budget"), row.getBigDecimal(prefix + "monthly_cost_budget"));
    }
}
