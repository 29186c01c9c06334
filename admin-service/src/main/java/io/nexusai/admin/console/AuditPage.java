package io.nexusai.admin.console;

import io.nexusai.admin.repository.AuditRepository;
import io.nexusai.admin.service.AuditService;
import io.nexusai.admin.view.AuditView;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import java.util.regex.Pattern;

/** The Audit page: the audit log newest first, filtered by object, action and actor, 50 entries a page. */
@Path("/console/audit")
public class AuditPage {
    private static final int PAGE = 50;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");
    private final AuditService audit;
    private final ConsoleUser user;

    public AuditPage(AuditService audit, ConsoleUser user) {
        this.audit = audit;
        this.user = user;
    }

    @GET
    public Uni<Response> page(@QueryParam("object_type") String objectType, @QueryParam("object_id") String objectId,
                              @QueryParam("action") String action, @QueryParam("actor") String actor,
                              @QueryParam("before_id") String beforeId) {
        String type = Form.filter(objectType);
        String id = Form.filter(objectId);
        String act = Form.filter(action);
        String who = Form.filter(actor);
        StringBuilder query = new StringBuilder();
        for (String[] p : new String[][]{{"object_type", type}, {"object_id", id}, {"action", act}, {"actor", who}}) {
            if (p[1] != null) {
                query.append('&').append(p[0]).append('=').append(java.net.URLEncoder.encode(p[1], java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        Pages.AuditFilter filter = new Pages.AuditFilter(type, id, act, who, query.toString());
        Long before = beforeId != null && DIGITS.matcher(beforeId).matches() ? Long.valueOf(beforeId) : null;
        AuditRepository.Query q = new AuditRepository.Query(filter.objectType(), filter.objectId(), filter.actor(), filter.action(),
                null, null, before, PAGE);
        return audit.search(q).flatMap(entries -> Results.page(Pages.audit(new Frame("audit", user.csrf(), null, null),
                entries.stream().map(AuditView::of).toList(), filter,
                entries.size() == PAGE ? entries.get(entries.size() - 1).id : null)));
    }

}
