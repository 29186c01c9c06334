package io.nexusai.admin.service;

import io.nexusai.api.auth.ApiKeys;
import io.nexusai.api.crypto.Secrets;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * Ensures the admin key given as {@code NEXUS_BOOTSTRAP_ADMIN_KEY} exists (stored as its hash), so a fresh
 * installation can be administered. Runs after Flyway has migrated the schema.
 */
@ApplicationScoped
public class BootstrapAdminKey {
    private static final Logger LOG = Logger.getLogger(BootstrapAdminKey.class);

    void onStart(@Observes StartupEvent event, Pool pool,
                 @ConfigProperty(name = "nexus.admin.bootstrap-key") Optional<String> bootstrapKey) {
        if (bootstrapKey.isEmpty() || bootstrapKey.get().isBlank()) {
            return;
        }
        String key = Secrets.require("NEXUS_BOOTSTRAP_ADMIN_KEY", bootstrapKey.get());
        String hash = ApiKeys.hash(key);
        int inserted = pool.preparedQuery("INSERT INTO api_keys (id, level, name, key_hash, key_hint) VALUES ($1, 'admin', 'bootstrap', $2, $3)"
                        + " ON CONFLICT (key_hash) DO NOTHING")
                .execute(Tuple.of(ApiKeys.newId("key_", 16), hash, ApiKeys.hint(key)))
                .await().atMost(Duration.ofSeconds(30)).rowCount();
        if (inserted > 0) {
            LOG.infof("bootstrap admin key %s registered", ApiKeys.hint(key));
        }
    }
}
