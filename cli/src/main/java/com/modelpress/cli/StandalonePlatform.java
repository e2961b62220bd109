package com.modelpress.cli;

import com.modelpress.api.ApiApplication;
import com.modelpress.embedded.EmbeddedAmqpBroker;
import com.modelpress.embedded.EmbeddedPostgres;
import com.modelpress.worker.WorkerApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole platform in this JVM: PostgreSQL (DIR/postgres) and the AMQP broker (DIR/broker) embedded, then
 * api-service and worker-service, each in its own Spring context, storing artifacts in DIR/artifacts. Everything it
 * keeps lives under the data folder, so a restart on the same folder finds earlier jobs and artifacts. The API accepts
 * the given key as its operator admin key (see {@link LocalApiKey}). Webhooks may go to receivers on this machine
 * (loopback, over http too), unless the given properties say otherwise.
 *
 * <p>Nothing listens beyond loopback unless asked: PostgreSQL and the broker on 127.0.0.1 always, the worker's
 * actuator too, the API on the given host (127.0.0.1 by default). PostgreSQL and the broker need the passwords
 * generated for the data folder ({@link ServeCredentials}, {@code DIR/credentials}, mode 0600).
 *
 * <p>{@link #close} stops worker, API, broker and PostgreSQL in that order, each even when an earlier one failed to
 * stop; it is idempotent and safe to call from a shutdown hook.
 */
final class StandalonePlatform implements AutoCloseable {

    static final String DATABASE = "modelpress";
    static final String LOOPBACK = "127.0.0.1";


    private final Path dataDirectory;
    private final String host;
    private final int port;
    private final List<AutoCloseable> started = new ArrayList<>();
    private int brokerPort;
    private boolean closed;

    private StandalonePlatform(Path dataDirectory, String host, int port) {
        this.dataDirectory = dataDirectory;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts everything; on failure stops what had started and rethrows.
     *
     * @param port   the API's HTTP port
     * @param apiKey the admin key the API accepts, at least {@value LocalApiKey#MIN_LENGTH} characters; never logged
     * @param log    where to say what is starting
     */
    static StandalonePlatform start(Path dataDirectory, int port, String apiKey, PrintWriter log) throws IOException {
        return start(dataDirectory, port, apiKey, log, Map.of());
    }

    /**
     * As {@link #start(Path, int, String, PrintWriter)}, with more properties for both services (limits, keys); they
     * outrank the services' configuration files, but not the data folder, ports, key and broker settings this class
     * decides.
     */
    static StandalonePlatform start(Path dataDirectory, int port, String apiKey, PrintWriter log,
                                    Map<String, String> properties) throws IOException {
        return start(dataDirectory, LOOPBACK, port, apiKey, log, properties);
    }

    /**
     * As {@link #start(Path, int, String, PrintWriter, Map)}, with the API on {@code host} (an address of this machine,
     * {@code 0.0.0.0} for every one).
     */
    static StandalonePlatform start(Path dataDirectory, String host, int port, String apiKey, PrintWriter log,
                                    Map<String, String> properties) throws IOException {
        Path folder = dataDirectory.toAbsolutePath().normalize();
        if (!Files.exists(folder)) {
            Files.createDirectories(folder);
            ownerOnly(folder);
        }
        Files.createDirectories(folder.resolve("artifacts"));
        ServeCredentials credentials = ServeCredentials.of(folder);
        StandalonePlatform platform = new StandalonePlatform(folder, host, port);
        try {
            log.println("starting PostgreSQL (" + folder.resolve("postgres") + ")…");
            log.flush();
            EmbeddedPostgres postgres = EmbeddedPostgres.start(folder.resolve("postgres"), 0,
                    credentials.postgresPassword());
            platform.started.addFirst(postgres);
            postgres.createDatabaseIfMissing(DATABASE);

            log.println("starting the AMQP broker (" + folder.resolve("broker") + ")…");
            log.flush();
            EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(folder.resolve("broker"), 0, credentials.brokerUser(),
                    credentials.brokerPassword());
            platform.started.addFirst(broker);
            platform.brokerPort = broker.port();

            Map<String, String> common = Map.of(
                    "spring.rabbitmq.host", "127.0.0.1",
                    "spring.rabbitmq.port", Integer.toString(broker.port()),
                    "spring.rabbitmq.username", credentials.brokerUser(),
                    "spring.rabbitmq.password", credentials.brokerPassword(),
                    "spring.rabbitmq.virtual-host", "/",
                    "modelpress.storage.root", folder.resolve("artifacts").toString(),
                    // two Spring contexts in one JVM would register the same MBean names
                    "spring.jmx.enabled", "false",
                    "spring.main.banner-mode", "off",
                    "spring.main.register-shutdown-hook", "false");

            log.println("starting the API on port " + port + "…");
            log.flush();
            // webhooks may go to receivers on this machine, over http (the demo's and tests' receivers); the given
            // properties may say otherwise
            Map<String, String> apiProperties = new java.util.LinkedHashMap<>(Map.of(
                    "modelpress.webhooks.allow-plain-http", "true",
                    "modelpress.webhooks.allowed-networks", "127.0.0.0/8,::1/128"));
            apiProperties.putAll(properties);
            ConfigurableApplicationContext api = run(ApiApplication.class, apiProperties, common, Map.of(
                    "spring.config.name", "api-service",
                    "spring.datasource.url", postgres.jdbcUrl(DATABASE),
                    "spring.datasource.username", EmbeddedPostgres.SUPERUSER,
                    "spring.datasource.password", credentials.postgresPassword(),
                    "modelpress.api.auth.admin-key", apiKey,
                    "server.address", host,
                    "server.port", Integer.toString(port)));
            platform.started.addFirst(api);

            log.println("starting a worker…");
            log.flush();
            ConfigurableApplicationContext worker = run(WorkerApplication.class, properties, common, Map.of(
                    "spring.config.name", "worker-service",
                    "springdoc.api-docs.enabled", "false",
                    // the worker's actuator (health, metrics) is for this machine only
                    "server.address", LOOPBACK,
                    "server.port", "0"));
            platform.started.addFirst(worker);
            return platform;
        } catch (RuntimeException | Error e) {
            platform.close();
            throw e;
        }
    }

    /** Properties go in as command-line arguments: they outrank each service's own configuration files. */
    private static ConfigurableApplicationContext run(Class<?> application, Map<String, String> extra,
                                                      Map<String, String> common, Map<String, String> own) {
        // one argument per key: Spring joins repeated command-line values with commas
        Map<String, String> merged = new java.util.LinkedHashMap<>(extra);
        merged.putAll(common);
        merged.putAll(own);
        List<String> arguments = new ArrayList<>();
        merged.forEach((key, value) -> arguments.add("--" + key + "=" + value));
        return new SpringApplicationBuilder(application)
                .registerShutdownHook(false)
                .run(arguments.toArray(String[]::new));
    }

    private static void ownerOnly(Path folder) throws IOException {
        try {
            Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: its own rules apply
        }
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    int port() {
        return port;
    }

    /** The embedded broker's AMQP port on 127.0.0.1. */
    int brokerPort() {
        return brokerPort;
    }

    /** The address the API listens on. */
    String host() {
        return host;
    }

    /** Stops worker, API, broker and PostgreSQL, newest first; a failure to stop one does not keep the others up. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (AutoCloseable service : started) {
            try {
                service.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("stopping " + service + " failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }
}
