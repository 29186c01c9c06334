package io.nexusai.admin.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexusai.admin.repository.AuditEntry;
import io.nexusai.admin.repository.AuditRepository;
import io.nexusai.admin.repository.ConfigVersionRepository;
import io.nexusai.api.events.ConfigChange;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/**
 * Every configuration write goes through here: the work, its audit entries and the config-version increment
 * commit in one transaction; then the change events are published. Listeners that see an event therefore
 * always find the change in the database, and no change exists without its audit entry.
 */
@ApplicationScoped
public class ConfigWriter {
    private final ConfigVersionRepository versions;
    private final AuditRepository audit;
    private final ConfigEventPublisher publisher;
    private final ObjectMapper mapper;
    private final AdminMetrics metrics;

    public ConfigWriter(ConfigVersionRepository versions, AuditRepository audit, ConfigEventPublisher publisher, ObjectMapper mapper,
                        AdminMetrics metrics) {
        this.versions = versions;
        this.audit = audit;
        this.publisher = publisher;
        this.mapper = mapper;
        this.metrics = metrics;
    }

    private record Written<T>(Outcome<T> outcome, long version) {
    }

    public <T> Uni<T> write(Actor actor, Supplier<Uni<Outcome<T>>> work) {
        return Panache.withTransaction(() -> work.get().flatMap(outcome -> {
                    if (outcome.changes().isEmpty() && outcome.audits().isEmpty()) {
                        return Uni.createFrom().item(new Written<>(outcome, -1));
                    }
                    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                    Uni<Void> audited = Multi.createFrom().iterable(outcome.audits())
                            .onItem().transformToUniAndConcatenate(a -> audit.persist(entry(actor, now, a)))
                            .collect().last().replaceWithVoid();
                    return audited.flatMap(v -> versions.increment()).map(version -> new Written<>(outcome, version));
                }))
                // committed: counted once here for every kind of write (nexus_admin_writes_total)
                .invoke(w -> metrics.committed(w.outcome().audits()))
                .call(w -> Multi.createFrom().iterable(w.outcome().changes())
                        .onItem().transformToUniAndConcatenate(c -> publisher.publish(new ConfigChange(c.kind(), c.id(), c.keyHash(), w.version())))
                        .collect().last())
                .map(w -> w.outcome().result());
    }

    private AuditEntry entry(Actor actor, OffsetDateTime now, Outcome.Audit a) {
        AuditEntry e = new AuditEntry();
        e.at = now;
        e.actorKeyId = actor.keyId();
        e.requestId = actor.requestId();
        e.action = a.action();
        e.objectType = a.objectType();
        e.objectId = a.objectId();
        e.before = a.before() == null ? null : mapper.valueToTree(a.before());
        e.after = a.after() == null ? null : mapper.valueToTree(a.after());
        return e;
    }
}
