package io.nexusai.admin;

import io.nexusai.testsupport.DbCoordinates;
import io.nexusai.testsupport.PostgresTestResource;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Shared helpers of the admin API tests. */
final class AdminTestSupport {
    static final String ADMIN_KEY = "nx-adm-TestOnlyBootstrapAdminKey0123456789abcdef";

    private AdminTestSupport() {
    }

    /** Sends YAML (and XML, for the tests that must see it refused) as text. */
    private static final RestAssuredConfig TEXT_BODIES = RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
            .encodeContentTypeAs("application/yaml", ContentType.TEXT)
            .encodeContentTypeAs("application/xml", ContentType.TEXT));

    static RequestSpecification admin() {
        return given().config(TEXT_BODIES).header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Connection jdbc() throws Exception {
        DbCoordinates db = PostgresTestResource.current();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    /** Every value of every text-ish column of every control-plane table, for "is this secret stored anywhere" checks. */
    static String dumpDatabase() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet r = s.executeQuery("SELECT * FROM " + t)) {
                    int n = r.getMetaData().getColumnCount();
                    while (r.next()) {
                        for (int i = 1; i <= n; i++) {
                            sb.append(r.getString(i)).append('\n');
                        }
                    }
                }
            }
        }
        return sb.toString();
    }

    static long count(String sql) throws Exception {
        try (Connection c = jdbc(); ResultSet r = c.createStatement().executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
