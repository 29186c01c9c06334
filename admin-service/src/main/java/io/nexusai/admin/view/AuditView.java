package io.nexusai.admin.view;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexusai.admin.repository.AuditEntry;

import java.time.OffsetDateTime;

/** An audit log entry. */
public record AuditView(long id, OffsetDateTime at, String actorKeyId, String action, String objectType, String objectId,
                        JsonNode before, JsonNode after, String requestId) {

    public static AuditView of(AuditEntry e) {
        return new AuditView(e.id, e.at, e.actorKeyId, e.action, e.objectType, e.objectId, e.before, e.after, e.requestId);
    }
}
