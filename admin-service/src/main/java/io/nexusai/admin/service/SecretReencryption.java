package io.nexusai.admin.service;

import io.nexusai.admin.repository.ApiKeyRepository;
import io.nexusai.admin.repository.ConfigVersionRepository;
import io.nexusai.admin.repository.ProviderRepository;
import io.nexusai.api.crypto.EnvelopeCipher;
import io.nexusai.service.config.PlatformSecrets;
import io.nexusai.service.db.DatabaseUnavailableException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Lazy re-encryption after data-key rotation: secrets whose envelope uses a data key older than the rotation
 * period (hourly by default) are re-encrypted under the current data key. Old envelopes stay decryptable in
 * the meantime (each carries its wrapped data key), so nothing has to happen at once.
 */
@ApplicationScoped
public class SecretReencryption {
    private static final Logger LOG = Logger.getLogger(SecretReencryption.class);
    private final ProviderRepository providers;
    private final ApiKeyRepository keys;
    private final PlatformSecrets secrets;
    private final ConfigVersionRepository versions;

    public SecretReencryption(ProviderRepository providers, ApiKeyRepository keys, PlatformSecrets secrets,
                              ConfigVersionRepository versions) {
        this.providers = providers;
        this.keys = keys;
        this.secrets = secrets;
        this.versions = versions;
    }

    /** Every {@code nexus.admin.reencrypt-every}; while the database is unavailable, a run fails within the bound and the next one retries. */
    @Scheduled(every = "${nexus.admin.reencrypt-every:10m}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> scheduled() {
        return reencrypt().replaceWithVoid()
                .onFailure(e -> DatabaseUnavailableException.in(e) != null).recoverWithUni(e -> {
                    LOG.warnf("secrets not re-encrypted now (%s); the next run retries", DatabaseUnavailableException.in(e).getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** Re-encrypts every secret whose data key has expired; returns how many. */
    public Uni<Integer> reencrypt() {
        EnvelopeCipher cipher = secrets.cipher();
        return Panache.withTransaction(() -> providers.listAll().flatMap(all -> {
            int[] n = {0};
            all.forEach(p -> {
                if (cipher.needsReencryption(p.apiKeyEnvelope)) {
                    p.apiKeyEnvelope = cipher.encrypt(cipher.decrypt(p.apiKeyEnvelope));
                    n[0]++;
                }
            });
            // a provider row changed: a new config version, so the change log (V8) records the new envelopes under
            // a version gateways have not seen yet and their next route delta carries them
            Uni<Long> versioned = n[0] > 0 ? versions.increment() : Uni.createFrom().item(0L);
            return versioned.flatMap(v -> keys.list("signingSecretEnvelope is not null")).map(signed -> {
                signed.forEach(k -> {
                    if (cipher.needsReencryption(k.signingSecretEnvelope)) {
                        k.signingSecretEnvelope = cipher.encrypt(cipher.decrypt(k.signingSecretEnvelope));
                        n[0]++;
                    }
                });
                return n[0];
            });
        })).invoke(n -> {
            if (n > 0) {
                LOG.infof("re-encrypted %d secrets under the current data key", n);
            }
        });
    }
}
