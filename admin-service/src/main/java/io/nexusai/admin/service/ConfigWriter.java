package io.nexusai.admin.service;

import io.nexusai.admin.repository.ConfigVersionRepository;
import io.nexusai.api.events.ConfigChange;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every configuration write goes through here: the work and the config-version increment commit in one
 * transaction, then the change event is published. Listeners that see the event therefore always find the
 * change in the database.
 */
@ApplicationScoped
public class ConfigWriter {
    private final ConfigVersionRepository versions;
    private final ConfigEventPublisher publisher;

    public ConfigWriter(ConfigVersionRepository versions, ConfigEventPublisher publisher) {
        this.versions = versions;
        this.publisher = publisher;
    }

    /** Describes the change a write made, from its result. */
    public interface ChangeOf<T> extends Function<T, Change> {
    }

    /** What a write changed: kind, object id and (for keys) key hash. */
    public record Change(ConfigChange.Kind kind, String id, String keyHash) {
    }

    private record Written<T>(T result, long version) {
    }

    public <T> Uni<T> write(Supplier<Uni<T>> work, ChangeOf<T> change) {
        return Panache.withTransaction(() -> work.get()
                        .flatMap(result -> versions.increment().map(v -> new Written<>(result, v))))
                .call(w -> {
                    Change c = change.apply(w.result());
                    return publisher.publish(new ConfigChange(c.kind(), c.id(), c.keyHash(), w.version()));
                })
                .map(Written::result);
    }
}
