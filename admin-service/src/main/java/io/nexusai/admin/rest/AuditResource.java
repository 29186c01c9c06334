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

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code GET /admin/v1/audit}: the audit log, newest first. Filters: {@code object_type}, {@code object_id},
 * {@code actor_key_id}, {@code action}, {@code from}, {@code to} (ISO-8601, years 1970 to 9999). Paging:
 * {@code limit} (1 to 500) and {@code before_id} = the answer's {@code next_before_id}. Numbers are ASCII digits.
 */
@Path("/admin/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");
    /** The first instant after year 9999. */
    private static final Instant END = Instant.parse("+10000-01-01T00:00:00Z");
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
                            @QueryParam("before_id") String beforeId, @QueryParam("limit") String limit) {
        int n = limit == null ? 100 : (int) number(limit, "limit", 500, "limit must be an integer between 1 and 500.");
        Long before = beforeId == null ? null
                : number(beforeId, "before_id", Long.MAX_VALUE, "before_id must be a positive integer (an entry id).");
        AuditRepository.Query q = new AuditRepository.Query(objectType, objectId, actor, action, time(from, "from"), time(to, "to"),
                before, n);
        return audit.search(q).map(entries -> new Page("list", entries.stream().map(AuditView::of).toList(),
                entries.size() == n ? entries.get(entries.size() - 1).id : null));
    }

    /** A positive integer of ASCII digits (not {@code Long.parseLong}'s: it takes any Unicode digits, and signs). */
    private static long number(String value, String param, long max, String message) {
        if (!DIGITS.matcher(value).matches()) {
            throw ApiException.badRequest(message, param);
        }
        long n = Long.parseLong(value);
        if (n < 1 || n > max) {
            throw ApiException.badRequest(message, param);
        }
        return n;
    }

    private static OffsetDateTime time(String value, String param) {
        if (value == null) {
            return null;
        }
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(param + " must be an ISO-8601 date-time with offset, e.g. 2026-01-31T00:00:00Z.", param);
        }
        if (time.toInstant().isBefore(Instant.EPOCH) || !time.toInstant().isBefore(END)) {
            throw ApiException.badRequest(param + " must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z.", param);
        }
        return time;
    }
}
