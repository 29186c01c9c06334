package io.nexusai.admin.service;

import io.nexusai.admin.repository.ModelAlias;
import io.nexusai.admin.repository.ModelAliasRepository;
import io.nexusai.admin.rest.Requests;
import io.nexusai.admin.view.AliasView;
import io.nexusai.api.events.ConfigChange;
import io.nexusai.api.openai.ApiException;
import io.nexusai.api.routing.AliasPolicy;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Serving policies of aliases (strategy, attempts, timeouts). A change is a routes change: routing-service rebuilds
 * its snapshot and the gateways fetch it.
 */
@ApplicationScoped
public class AliasService {
    private final ModelAliasRepository aliases;
    private final ConfigWriter writer;

    public AliasService(ModelAliasRepository aliases, ConfigWriter writer) {
        this.aliases = aliases;
        this.writer = writer;
    }

    /** Creates or replaces an alias's policy. */
    public Uni<ModelAlias> put(Actor actor, String alias, Requests.AliasPolicy body) {
        return writer.write(actor, () -> putInTx(alias, body));
    }

    Uni<Outcome<ModelAlias>> putInTx(String alias, Requests.AliasPolicy body) {
        AliasPolicy d = AliasPolicy.DEFAULT;
        return aliases.findById(alias).flatMap(existing -> {
            AliasView before = existing == null ? null : AliasView.of(existing);
            ModelAlias a = existing == null ? new ModelAlias() : existing;
            a.alias = alias;
            a.strategy = body.strategy() == null ? d.strategy() : body.strategy();
            a.maxAttempts = body.maxAttempts() == null ? d.maxAttempts() : body.maxAttempts();
            a.connectTimeoutMs = body.connectTimeoutMs() == null ? d.connectTimeoutMs() : body.connectTimeoutMs();
            a.firstByteTimeoutMs = body.firstByteTimeoutMs() == null ? d.firstByteTimeoutMs() : body.firstByteTimeoutMs();
            a.idleTimeoutMs = body.idleTimeoutMs() == null ? d.idleTimeoutMs() : body.idleTimeoutMs();
            a.totalTimeoutMs = body.totalTimeoutMs() == null ? d.totalTimeoutMs() : body.totalTimeoutMs();
            Uni<ModelAlias> saved = existing == null ? aliases.persist(a) : aliases.flush().replaceWith(a);
            return saved.map(s -> Outcome.of(s)
                    .change(ConfigChange.Kind.ROUTES, alias, null)
                    .audit(existing == null ? "create" : "update", "alias", alias, before, AliasView.of(s)));
        });
    }

    /** Removes an alias's policy; the alias goes back to the defaults. */
    public Uni<Void> delete(Actor actor, String alias) {
        return writer.write(actor, () -> aliases.findById(alias).flatMap(a -> {
            if (a == null) {
                return Uni.createFrom().failure(notFound(alias));
            }
            AliasView before = AliasView.of(a);
            return aliases.delete(a).map(v -> Outcome.<Void>of(null)
                    .change(ConfigChange.Kind.ROUTES, alias, null)
                    .audit("delete", "alias", alias, before, null));
        })).replaceWithVoid();
    }

    @WithSession
    public Uni<List<ModelAlias>> list() {
        return aliases.listAll(Sort.by("alias"));
    }

    /** The stored policy, or null when the alias has none. */
    @WithSession
    public Uni<ModelAlias> find(String alias) {
        return aliases.findById(alias);
    }

    static ApiException notFound(String alias) {
        return ApiException.notFound("Alias '" + alias + "' has no stored policy.", "alias_policy_not_found");
    }
}
