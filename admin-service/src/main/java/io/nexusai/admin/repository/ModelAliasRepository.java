package io.nexusai.admin.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class ModelAliasRepository implements PanacheRepositoryBase<ModelAlias, String> {
}
