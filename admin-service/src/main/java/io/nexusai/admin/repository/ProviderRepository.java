package io.nexusai.admin.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class ProviderRepository implements PanacheRepositoryBase<Provider, Long> {

    public Uni<Provider> findByName(String name) {
        return find("name", name).firstResult();
    }
}
