package io.nexusai.admin.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

@ApplicationScoped
public class AuditRepository implements PanacheRepositoryBase<AuditEntry, Long> {

    /** Filters of an audit query; {@code null} = any. {@code beforeId} pages backwards (newest first). */
    public record Query(String objectType, String objectId, String actorKeyId, String action, OffsetDateTime from,
                        OffsetDateTime to, Long beforeId, int limit) {
    }

    public Uni<List<AuditEntry>> search(Query q) {
        List<String> where = new ArrayList<>();
        Parameters p = new Parameters();
        if (q.objectType() != null) {
            where.add("objectType = :objectType");
            p.and("objectType", q.objectType());
        }
        if (q.objectId() != null) {
            where.add("objectId = :objectId");
            p.and("objectId", q.objectId());
        }
        if (q.actorKeyId() != null) {
            where.add("actorKeyId = :actor");
            p.and("actor", q.actorKeyId());
        }
        if (q.action() != null) {
            where.add("action = :action");
            p.and("action", q.action());
        }
        if (q.from() != null) {
            where.add("at >= :from");
            p.and("from", q.from());
        }
        if (q.to() != null) {
            where.add("at < :to");
            p.and("to", q.to());
        }
        if (q.beforeId() != null) {
            where.add("id < :beforeId");
            p.and("beforeId", q.beforeId());
        }
        String query = where.isEmpty() ? "1 = 1" : String.join(" and ", where);
        return find(query, Sort.descending("id"), p).page(0, q.limit()).list();
    }

    /** Deletes entries older than the cutoff; returns how many. */
    public Uni<Long> purgeBefore(OffsetDateTime cutoff) {
        return delete("at < ?1", cutoff);
    }
}
