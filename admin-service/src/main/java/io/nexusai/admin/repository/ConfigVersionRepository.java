package io.nexusai.admin.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** The single-row configuration version every admin write increments inside its transaction. */
@ApplicationScoped
public class ConfigVersionRepository {

    /** Increments the version in the current transaction and returns the new value. */
    public Uni<Long> increment() {
        return Panache.getSession().flatMap(session -> session
                .createNativeQuery("UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version", Long.class)
                .getSingleResult());
    }
}
