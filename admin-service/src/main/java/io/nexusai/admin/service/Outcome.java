package io.nexusai.admin.service;

import io.nexusai.api.events.ConfigChange;

import java.util.ArrayList;
import java.util.List;

/**
 * What a configuration write did: its result, the change events to publish after commit, and the audit
 * records to store with it. Built fluently by the services.
 */
public final class Outcome<T> {
    /** One audited operation; {@code before}/{@code after} are masked views (or {@code null}). */
    public record Audit(String action, String objectType, String objectId, Object before, Object after) {
    }

    /** One change event: kind, object id and (for keys) the key hash. */
    public record Change(ConfigChange.Kind kind, String id, String keyHash) {
    }

    private final T result;
    private final List<Change> changes = new ArrayList<>(2);
    private final List<Audit> audits = new ArrayList<>(2);

    private Outcome(T result) {
        this.result = result;
    }

    public static <T> Outcome<T> of(T result) {
        return new Outcome<>(result);
    }

    public Outcome<T> change(ConfigChange.Kind kind, String id, String keyHash) {
        changes.add(new Change(kind, id, keyHash));
        return this;
    }

    public Outcome<T> audit(String action, String objectType, String objectId, Object before, Object after) {
        audits.add(new Audit(action, objectType, objectId, before, after));
        return this;
    }

    /** Merges another outcome's events and audits into this one (for composite writes such as apply). */
    public Outcome<T> absorb(Outcome<?> other) {
        changes.addAll(other.changes);
        audits.addAll(other.audits);
        return this;
    }

    public T result() {
        return result;
    }

    public List<Change> changes() {
        return changes;
    }

    public List<Audit> audits() {
        return audits;
    }
}
