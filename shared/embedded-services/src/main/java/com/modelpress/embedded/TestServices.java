package com.modelpress.embedded;

import com.modelpress.files.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PostgreSQL and an AMQP broker for integration tests: the real ones on this machine when they answer (PostgreSQL at
 * 127.0.0.1:5432, database {@code test}, user {@code postgres}; RabbitMQ at 127.0.0.1:5672, guest/guest), else embedded
 * ones started once per JVM and stopped when it exits.
 *
 * <p>{@value #MODE_PROPERTY} (system property) or {@value #MODE_ENV} (environment) chooses: {@code auto} (default),
 * {@code real} (fail when a real service does not answer) or {@code embedded} (never use the real ones).
 *
 * <p>{@value #DATABASE_ENV} and {@value #VHOST_ENV} (environment) give the real services another database (created when
 * missing) and virtual host (created with {@code rabbitmqctl} when missing), so that two checkouts can run their suites
 * on one machine at the same time without sharing queues or schemas.
 *
 * <p>Lives in main scope so that every module's tests can use it through a test-scoped dependency. Thread-safe.
 */
public final class TestServices {

    public static final String MODE_PROPERTY = "modelpress.test.services";
    public static final String MODE_ENV = "MODELPRESS_TEST_SERVICES";

    static final String REAL_HOST = "127.0.0.1";
    static final int REAL_POSTGRES_PORT = 5432;
    static final int REAL_AMQP_PORT = 5672;
    static final String DATABASE = "test";
    public static final String DATABASE_ENV = "MODELPRESS_TEST_DATABASE";
    public static final String VHOST_ENV = "MODELPRESS_TEST_VHOST";
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private static PostgresSettings postgres;
    private static AmqpSettings amqp;

    private TestServices() {
    }

    /** Where a service came from. */
    public enum Origin { REAL, EMBEDDED }

    /** How to choose; {@link #AUTO} prefers the real services. */
    public enum Mode {
        AUTO, REAL, EMBEDDED;

        /** The mode the system property, else the environment, else the default names. */
        public static Mode configured() {
            String value = System.getProperty(MODE_PROPERTY, System.getenv(MODE_ENV));
            if (value == null || value.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(MODE_PROPERTY + " must be auto, real or embedded, not: " + value, e);
            }
        }
    }

    /** Connection settings of a PostgreSQL database. */
    public record PostgresSettings(String jdbcUrl, String username, String password, Origin origin) {}

    /** Connection settings of an AMQP 0-9-1 broker. */
    public record AmqpSettings(String host, int port, String username, String password, String virtualHost,
                               Origin origin) {}

    /** Both services, with the Spring Boot properties that point an application at them. */
    public record Settings(PostgresSettings postgres, AmqpSettings amqp) {

        /** {@code spring.datasource.*} and {@code spring.rabbitmq.*}. */
        public Map<String, String> springProperties() {
            return Map.of(
                    "spring.datasource.url", postgres.jdbcUrl(),
                    "spring.datasource.username", postgres.username(),
                    "spring.datasource.password", postgres.password(),
                    "spring.rabbitmq.host", amqp.host(),
                    "spring.rabbitmq.port", Integer.toString(amqp.port()),
                    "spring.rabbitmq.username", amqp.username(),
                    "spring.rabbitmq.password", amqp.password(),
                    "spring.rabbitmq.virtual-host", amqp.virtualHost());
        }
    }

    /** Both services, chosen and started as the class javadoc says. */
    public static Settings settings() {
        return new Settings(postgres(), amqp());
    }

    /**
     * The database {@code test}, real or embedded.
     *
     * @throws EmbeddedServiceException in mode {@code real} when the real PostgreSQL does not answer
     */
    public static synchronized PostgresSettings postgres() {
        if (postgres == null) {
            postgres = choosePostgres(Mode.configured());
        }
        return postgres;
    }

    /**
     * The broker, real or embedded.
     *
     * @throws EmbeddedServiceException in mode {@code real} when the real RabbitMQ does not answer
     */
    public static synchronized AmqpSettings amqp() {
        if (amqp == null) {
            amqp = chooseAmqp(Mode.configured());
        }
        return amqp;
    }

    private static PostgresSettings choosePostgres(Mode mode) {
        String database = environment(DATABASE_ENV, DATABASE);
        PostgresSettings real = new PostgresSettings(
                "jdbc:postgresql://%s:%d/%s".formatted(REAL_HOST, REAL_POSTGRES_PORT, database),
                "postgres", "postgres", Origin.REAL);
        if (mode != Mode.EMBEDDED && !database.equals(DATABASE)) {
            createDatabaseIfMissing(database);
        }
        if (mode != Mode.EMBEDDED && canLogIn(real)) {
            return real;
        }
        if (mode == Mode.REAL) {
            throw new EmbeddedServiceException("no PostgreSQL answers at " + real.jdbcUrl() + " as postgres, and "
                    + MODE_PROPERTY + "=real forbids the embedded one");
        }
        Path folder = temporaryFolder("modelpress-test-postgres");
        EmbeddedPostgres server = EmbeddedPostgres.startThrowaway(folder, 0);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-stop"));
        server.createDatabaseIfMissing(DATABASE);
        return new PostgresSettings(server.jdbcUrl(DATABASE), EmbeddedPostgres.SUPERUSER, "", Origin.EMBEDDED);
    }

    private static AmqpSettings chooseAmqp(Mode mode) {
        if (mode != Mode.EMBEDDED && answers(REAL_HOST, REAL_AMQP_PORT)) {
            String virtualHost = environment(VHOST_ENV, "/");
            if (!virtualHost.equals("/")) {
                createVirtualHostIfMissing(virtualHost);
            }
            return new AmqpSettings(REAL_HOST, REAL_AMQP_PORT, "guest", "guest", virtualHost, Origin.REAL);
        }
        if (mode == Mode.REAL) {
            throw new EmbeddedServiceException("no RabbitMQ answers at " + REAL_HOST + ":" + REAL_AMQP_PORT + ", and "
                    + MODE_PROPERTY + "=real forbids the embedded broker");
        }
        Path folder = temporaryFolder("modelpress-test-broker");
        EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(folder, 0);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            FileTrees.deleteQuietly(folder);
        }, "embedded-broker-stop"));
        return new AmqpSettings(REAL_HOST, broker.port(), EmbeddedAmqpBroker.USERNAME, EmbeddedAmqpBroker.PASSWORD, "/",
                Origin.EMBEDDED);
    }

    private static String environment(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static void createDatabaseIfMissing(String database) {
        if (!database.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException(DATABASE_ENV + " must be a lower-case SQL identifier, not: " + database);
        }
        String url = "jdbc:postgresql://%s:%d/postgres".formatted(REAL_HOST, REAL_POSTGRES_PORT);
        try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
             var exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, database);
            if (!exists.executeQuery().next()) {
                try (var create = connection.createStatement()) {
                    create.execute("create database " + database);
                }
            }
        } catch (SQLException e) {
            throw new EmbeddedServiceException("could not create the database " + database + ": " + e.getMessage());
        }
    }

    private static void createVirtualHostIfMissing(String virtualHost) {
        rabbitmqctl("add_vhost", virtualHost);
        rabbitmqctl("set_permissions", "-p", virtualHost, "guest", ".*", ".*", ".*");
    }

    private static void rabbitmqctl(String... arguments) {
        var command = new ArrayList<String>();
        command.add("rabbitmqctl");
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0 && !output.contains("already exists")) {
                throw new EmbeddedServiceException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new EmbeddedServiceException("could not run " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedServiceException("interrupted while running " + String.join(" ", command));
        }
    }

    private static boolean canLogIn(PostgresSettings settings) {
        if (!answers(REAL_HOST, REAL_POSTGRES_PORT)) {
            return false;
        }
        // the login timeout is JVM-wide (it also bounds the embedded broker's Derby store): set it only for this probe
        int previous = DriverManager.getLoginTimeout();
        DriverManager.setLoginTimeout(2);
        try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password())) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        } finally {
            DriverManager.setLoginTimeout(previous);
        }
    }

    static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path temporaryFolder(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary folder for " + prefix, e);
        }
    }
}
