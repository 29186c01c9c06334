package io.nexusai.admin.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

@ApplicationScoped
public class ModelRouteRepository implements PanacheRepositoryBase<ModelRoute, Long> {

    public Uni<List<ModelRoute>> listAllSorted() {
        return listAll(Sort.by("modelAlias").and("priority").and("id"));
    }
}
