package com.modelpress.api.migration;

import com.modelpress.embedded.TestServices;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code modelpress.api.migrate-only=true} against the test PostgreSQL, in a schema of its own. */
class MigrateOnlyIntegrationTest {

    private static final String SCHEMA = "api_migrate_it";

    private final TestServices.PostgresSettings postgres = TestServices.postgres();

    @BeforeEach
    void dropSchema() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("drop schema if exists " + SCHEMA + " cascade");
        }
    }

    @Test
    void migratesAnEmptySchemaWithNeitherWebServerNorRabbitMq() throws Exception {
        try (ConfigurableApplicationContext context = MigrateOnly.start(args())) {
            assertThat(context).isNotInstanceOf(WebServerApplicationContext.class);
            assertThat(context.getBeanNamesForType(ConnectionFactory.class)).isEmpty();
            assertThat(context.getBeanNamesForType(ScheduledAnnotationBeanPostProcessor.class)).isEmpty();
            assertThat(context.getBeanNamesForType(Flyway.class)).hasSize(1);
        }

        assertThat(successfulMigrations()).isEqualTo(migrationFiles()).isPositive();
        assertThat(tables()).contains("jobs", "job_events", "artifacts", "outbox");
    }

    @Test
    void exitsZeroAndAgainWhenAlreadyMigratedEvenWhenReplicasDisableFlyway() throws Exception {
        String[] replicaSettings = concat(args(), "--spring.flyway.enabled=false");

        assertThat(MigrateOnly.run(replicaSettings)).isZero();
        int applied = historyRows();
        assertThat(MigrateOnly.run(replicaSettings)).isZero();

        assertThat(historyRows()).isEqualTo(applied);
        assertThat(successfulMigrations()).isEqualTo(migrationFiles());
    }

    @Test
    void exitsOneWhenTheDatabaseCannotBeReached() {
        assertThat(MigrateOnly.run(new String[] {"--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/modelpress",
                "--spring.datasource.hikari.connection-timeout=2000"})).isEqualTo(1);
    }

    @Test
    void theFlagIsReadFromTheCommandLineWithRelaxedBinding() {
        assertThat(MigrateOnly.requested(new String[] {"--modelpress.api.migrate-only=true"})).isTrue();
        assertThat(MigrateOnly.requested(new String[] {"--modelpress.api.migrateOnly=true"})).isTrue();
        assertThat(MigrateOnly.requested(new String[] {"--modelpress.api.migrate-only=false"})).isFalse();
        assertThat(MigrateOnly.requested(new String[] {"--server.port=8080"})).isFalse();
    }

    private String[] args() {
        String url = postgres.jdbcUrl() + (postgres.jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
        return new String[] {
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=" + postgres.username(),
                "--spring.datasource.password=" + postgres.password(),
                "--spring.flyway.schemas=" + SCHEMA,
                // a broker nobody listens on: migrate-only must not need one
                "--spring.rabbitmq.host=127.0.0.1", "--spring.rabbitmq.port=1"};
    }

    private static String[] concat(String[] args, String extra) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = extra;
        return all;
    }

    private static int migrationFiles() throws IOException {
        return new PathMatchingResourcePatternResolver().getResources("classpath*:db/migration/V*.sql").length;
    }

    private int successfulMigrations() throws SQLException {
        return count("select count(*) from " + SCHEMA + ".flyway_schema_history where success and version is not null");
    }

    private int historyRows() throws SQLException {
        return count("select count(*) from " + SCHEMA + ".flyway_schema_history");
    }

    private List<String> tables() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "select table_name from information_schema.tables where table_schema = '" + SCHEMA + "'")) {
            List<String> names = new java.util.ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        }
    }

    private int count(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }
}
