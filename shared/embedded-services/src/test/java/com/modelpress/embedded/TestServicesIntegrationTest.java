package com.modelpress.embedded;

import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestServicesIntegrationTest {

    @Test
    void givesADatabaseNamedTestAndABrokerThatAnswer() throws Exception {
        TestServices.Settings settings = TestServices.settings();

        try (Connection connection = DriverManager.getConnection(settings.postgres().jdbcUrl(),
                settings.postgres().username(), settings.postgres().password());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select current_database()")) {
            assertThat(row.next()).isTrue();
            String configured = System.getenv(TestServices.DATABASE_ENV);
            boolean real = settings.postgres().origin() == TestServices.Origin.REAL;
            assertThat(row.getString(1)).isEqualTo(real && configured != null && !configured.isBlank()
                    ? configured.strip() : "test");
        }
        try (Socket socket = new Socket(settings.amqp().host(), settings.amqp().port())) {
            assertThat(socket.isConnected()).isTrue();
        }
        assertThat(settings.springProperties())
                .containsEntry("spring.datasource.url", settings.postgres().jdbcUrl())
                .containsEntry("spring.rabbitmq.port", Integer.toString(settings.amqp().port()));
        // the same services for every caller in this JVM
        assertThat(TestServices.settings()).isEqualTo(settings);
    }

    @Test
    void modeComesFromTheSystemProperty() {
        String before = System.getProperty(TestServices.MODE_PROPERTY);
        try {
            System.setProperty(TestServices.MODE_PROPERTY, " Embedded ");
            assertThat(TestServices.Mode.configured()).isEqualTo(TestServices.Mode.EMBEDDED);
            System.setProperty(TestServices.MODE_PROPERTY, "docker");
            assertThatThrownBy(TestServices.Mode::configured).hasMessageContaining("docker");
        } finally {
            if (before == null) {
                System.clearProperty(TestServices.MODE_PROPERTY);
            } else {
                System.setProperty(TestServices.MODE_PROPERTY, before);
            }
        }
    }
}
