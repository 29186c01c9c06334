package io.nexusai.metering.repository;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The metering schema's migrations as Quarkus runs them at start, plus one callback: {@link EquivalentV5}.
 */
@Singleton
public class MeteringMigrations implements FlywayConfigurationCustomizer {
    /** Flyway's checksum of V5__hour_rollup.sql as first released (commit cd88680; UsagePartitionsTest checks it). */
    public static final int FIRST_V5_CHECKSUM = 1527828393;
    /** Flyway's checksum of V5__hour_rollup.sql now (commit 5994fca; UsagePartitionsTest checks it is the file's). */
    public static final int CURRENT_V5_CHECKSUM = 474623387;

    @Override
    public void customize(FluentConfiguration configuration) {
        apply(configuration);
    }

    /** Adds what this class adds to a Flyway configuration (also for tests that run Flyway themselves). */
    public static FluentConfiguration apply(FluentConfiguration configuration) {
        return configuration.callbacks(new EquivalentV5());
    }

    /**
     * V5 (the hour rollup) was first released with its own copy of {@code usage_minute}'s column list and has since
     * been {@code CREATE TABLE usage_hour (LIKE usage_minute ...)}: the same columns, defaults and primary key; only
     * the tenant index's name differs. A database migrated with the first text would fail Flyway's validation at
     * start (checksum mismatch) and the service would not start; so, before validating, a history row of V5 with the
     * first text's checksum gets the current one, and the index the name the current text gives it. Nothing else
     * is touched, and a database without that row (new, or migrated with the current text) is left as it is.
     */
    static final class EquivalentV5 implements Callback {
        private static final Logger LOG = Logger.getLogger(EquivalentV5.class);

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_VALIDATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            String schema = context.getConfiguration().getDefaultSchema();
            String history = quote(schema) + "." + quote(context.getConfiguration().getTable());
            Connection c = context.getConnection();
            try {
                if (!exists(c, schema + "." + context.getConfiguration().getTable())) {
                    return;
                }
                int updated;
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + history
                        + " SET checksum = ? WHERE version = '5' AND checksum = ? AND success")) {
                    ps.setInt(1, CURRENT_V5_CHECKSUM);
                    ps.setInt(2, FIRST_V5_CHECKSUM);
                    updated = ps.executeUpdate();
                }
                if (updated == 0) {
                    return;
                }
                if (exists(c, schema + ".usage_hour_tenant_idx") && !exists(c, schema + ".usage_hour_tenant_id_bucket_idx")) {
                    try (Statement s = c.createStatement()) {
                        s.execute("ALTER INDEX " + quote(schema) + ".usage_hour_tenant_idx RENAME TO usage_hour_tenant_id_bucket_idx");
                    }
                }
                LOG.infof("migration V5 of schema %s was applied from its first text; recorded as the current one (same table)", schema);
            } catch (SQLException e) {
                throw new IllegalStateException("could not reconcile migration V5's checksum: " + e.getMessage(), e);
            }
        }

        @Override
        public String getCallbackName() {
            return "nexus-equivalent-v5";
        }

        private static boolean exists(Connection c, String relation) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                ps.setString(1, relation);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        }

        private static String quote(String identifier) {
            return '"' + identifier.replace("\"", "\"\"") + '"';
        }
    }
}
