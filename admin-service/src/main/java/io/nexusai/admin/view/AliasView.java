package io.nexusai.admin.view;

import io.nexusai.admin.repository.ModelAlias;
import io.nexusai.api.routing.AliasPolicy;

import java.time.OffsetDateTime;

/**
 * An alias's serving policy as the admin API shows it. {@code configured} is false when the alias has no stored policy
 * and the defaults apply.
 */
public record AliasView(String alias, String strategy, int maxAttempts, int connectTimeoutMs, int firstByteTimeoutMs,
                        int idleTimeoutMs, int totalTimeoutMs, boolean configured, OffsetDateTime createdAt,
                        OffsetDateTime updatedAt) {

    public static AliasView of(ModelAlias a) {
        return new AliasView(a.alias, a.strategy, a.maxAttempts, a.connectTimeoutMs, a.firstByteTimeoutMs, a.idleTimeoutMs,
                a.totalTimeoutMs, true, a.createdAt, a.updatedAt);
    }

    /** The defaults an alias without a stored policy is served with. */
    public static AliasView defaults(String alias) {
        AliasPolicy d = AliasPolicy.DEFAULT;
        return new AliasView(alias, d.strategy(), d.maxAttempts(), d.connectTimeoutMs(), d.firstByteTimeoutMs(),
                d.idleTimeoutMs(), d.totalTimeoutMs(), false, null, null);
    }
}
