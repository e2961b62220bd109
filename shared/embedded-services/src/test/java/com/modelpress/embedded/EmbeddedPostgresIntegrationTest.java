package com.modelpress.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedPostgresIntegrationTest {

    @TempDir
    Path folder;

    @Test
    void keepsDataAcrossARestartOnTheSameFolder() throws SQLException {
        Path data = folder.resolve("postgres");
        try (EmbeddedPostgres server = EmbeddedPostgres.start(data, 0)) {
            assertThat(server.jdbcUrl("modelpress")).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/modelpress");
            server.createDatabaseIfMissing("modelpress");
            server.createDatabaseIfMissing("modelpress");
            try (Connection connection = connect(server);
                 Statement statement = connection.createStatement()) {
                statement.execute("create table job (id int primary key, status text)");
                statement.execute("insert into job values (1, 'QUEUED')");
                assertThat(single(statement, "select current_setting('fsync')")).isEqualTo("on");
                assertThat(single(statement, "select current_setting('synchronous_commit')")).isEqualTo("on");
            }
        }
        try (EmbeddedPostgres again = EmbeddedPostgres.start(data, 0);
             Connection connection = connect(again);
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "select status from job where id = 1")).isEqualTo("QUEUED");
        }
    }

    @Test
    void throwawayServerDeletesItsFolderWhenStopped() throws SQLException {
        Path data = folder.resolve("scratch");
        try (EmbeddedPostgres server = EmbeddedPostgres.startThrowaway(data, 0);
             Connection connection = DriverManager.getConnection(server.jdbcUrl("postgres"), EmbeddedPostgres.SUPERUSER, "");
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "select current_user")).isEqualTo("postgres");
        }
        assertThat(data).doesNotExist();
    }

    @Test
    void refusesADatabaseNameThatIsNotPlain() {
        try (EmbeddedPostgres server = EmbeddedPostgres.startThrowaway(folder.resolve("names"), 0)) {
            assertThatThrownBy(() -> server.createDatabaseIfMissing("x; drop database postgres"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("x; drop database postgres");
        }
    }

    private static Connection connect(EmbeddedPostgres server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl("modelpress"), EmbeddedPostgres.SUPERUSER, "");
    }

    private static String single(Statement statement, String query) throws SQLException {
        try (ResultSet row = statement.executeQuery(query)) {
            assertThat(row.next()).isTrue();
            return row.getString(1);
        }
    }
}
