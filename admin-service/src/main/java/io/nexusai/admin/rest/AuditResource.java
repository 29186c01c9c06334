package io.nexusai.admin.rest;

import io.nexusai.admin.repository.AuditRepository;
import io.nexusai.admin.service.AuditService;
import io.nexusai.admin.view.AuditView;
import io.nexusai.api.openai.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code GET /admin/v1/audit}: the audit log, newest first. Filters: {@code object_type}, {@code object_id},
 * {@code actor_key_id}, {@code action}, {@code from}, {@code to} (ISO-8601). Paging: {@code limit} (≤ 500) and
 * {@code before_id} = the answer's {@code next_before_id}.
 */
@Path("/admin/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private final AuditService audit;

    public AuditResource(AuditService audit) {
        this.audit = audit;
    }

    /** A page of entries; {@code next_before_id} is null on the last page. */
    public record Page(String object, List<AuditView> data, Long nextBeforeId) {
    }

    @GET
    public Uni<Page> search(@QueryParam("object_type") String objectType, @QueryParam("object_id") String objectId,
                            @QueryParam("actor_key_id") String actor, @QueryParam("action") String action,
                            @QueryParam("from") String from, @QueryParam("to") String to,
                            @QueryParam("before_id") Long beforeId, @QueryParam("limit") Integer limit) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 500) {
            throw ApiException.badRequest("limit must be between 1 and 500.", "limit");
        }
        AuditRepository.Query q = new AuditRepository.Query(objectType, objectId, actor, action, time(from, "from"), time(to, "to"),
                beforeId, n);
        return audit.search(q).map(entries -> new Page("list", entries.stream().map(AuditView::of).toList(),
                entries.size() == n ? entries.get(entries.size() - 1).id : null));
    }

    private static OffsetDateTime time(String value, String param) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(param + " must be an ISO-8601 date-time with offset, e.g. 2026-01-31T00:00:00Z.", param);
        }
    }
}
