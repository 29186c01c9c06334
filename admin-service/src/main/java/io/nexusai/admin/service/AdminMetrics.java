package io.nexusai.admin.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code nexus_admin_writes_total{resource,action}}: admin API operations that committed, one per audited operation
 * (resource = the audit object type: provider, route, alias, tenant, key, price, config; action = create, update,
 * delete, revoke, rotate, enable_signing, disable_signing, apply). An apply counts once as {@code config/apply} and
 * once per operation it made. Both label sets are fixed by the code, so cardinality is bounded.
 */
@ApplicationScoped
public class AdminMetrics {
    private record Labels(String resource, String action) {
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Labels, Counter> writes = new ConcurrentHashMap<>();

    public AdminMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts the audited operations of a write that has committed. */
    public void committed(List<Outcome.Audit> audits) {
        for (Outcome.Audit a : audits) {
            writes.computeIfAbsent(new Labels(a.objectType(), a.action()), l -> Counter.builder("nexus.admin.writes")
                    .description("Admin API writes that committed, by resource and action")
                    .tag("resource", l.resource()).tag("action", l.action())
                    .register(registry)).increment();
        }
    }
}
