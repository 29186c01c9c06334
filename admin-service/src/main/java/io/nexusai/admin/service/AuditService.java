package io.nexusai.admin.service;

import io.nexusai.admin.repository.AuditEntry;
import io.nexusai.admin.repository.AuditRepository;
import io.nexusai.service.db.DatabaseUnavailableException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** Reads the audit log, and purges entries past the retention period (180 days by default, as the README says). */
@ApplicationScoped
public class AuditService {
    private static final Logger LOG = Logger.getLogger(AuditService.class);
    private final AuditRepository audit;
    private final Duration retention;

    public AuditService(AuditRepository audit, @ConfigProperty(name = "nexus.admin.audit-retention", defaultValue = "180d") Duration retention) {
        this.audit = audit;
        this.retention = retention;
    }

    @WithSession
    public Uni<List<AuditEntry>> search(AuditRepository.Query query) {
        return audit.search(query);
    }

    /**
     * Deletes entries older than the retention period; runs daily. While the database is unavailable, a run fails
     * within the bound ({@code NEXUS_DB_TIMEOUT}) and the next one purges what is due by then.
     */
    @Scheduled(every = "${nexus.admin.audit-purge-every:24h}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> purge() {
        OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(retention);
        return Panache.withTransaction(() -> audit.purgeBefore(cutoff))
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("purged %d audit entries older than %s", n, cutoff);
                    }
                }).replaceWithVoid()
                .onFailure(e -> DatabaseUnavailableException.in(e) != null).recoverWithUni(e -> {
                    LOG.warnf("audit entries not purged now (%s); the next run purges them", DatabaseUnavailableException.in(e).getMessage());
                    return Uni.createFrom().voidItem();
                });
    }
}
