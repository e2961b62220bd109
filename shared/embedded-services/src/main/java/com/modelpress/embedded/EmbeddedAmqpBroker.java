package com.modelpress.embedded;

import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.SystemLauncherListener;
import org.apache.qpid.server.model.Broker;
import org.apache.qpid.server.model.State;
import org.apache.qpid.server.model.SystemConfig;
import org.apache.qpid.server.model.VirtualHostNode;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An AMQP 0-9-1 broker in this JVM (Apache Qpid Broker-J) on 127.0.0.1, with one user ({@code guest}/{@code guest}
 * for tests, or the user and password {@link #start(Path, int, String, String)} is given), one virtual
 * host that answers to any name the client asks for ({@code /} included). Durable exchanges, queues and bindings
 * are kept in {@code storeDirectory/config}, persistent messages in a Derby store in {@code storeDirectory/messages}:
 * a restart on the same folder keeps unacknowledged messages.
 *
 * <p>What differs from RabbitMQ: the RabbitMQ queue arguments {@code x-queue-type}, {@code x-delivery-limit} and
 * {@code x-dead-letter-exchange} are not Qpid's. Out of the box Qpid refuses a {@code queue.declare} that carries them
 * by closing the whole connection (reply code 542, "Error creating queue 'q': Unsupported queue declare argument(s) :
 * x-dead-letter-exchange,x-delivery-limit,x-queue-type"); this broker sets the context variable
 * {@code queue.behaviourOnUnknownDeclareArgument=LOG}, so Qpid logs that sentence as a warning and ignores them, so the queue is an ordinary durable queue without a delivery limit or dead-lettering, and
 * deliveries carry no {@code x-delivery-count} header (the {@code redelivered} flag is set as usual).
 *
 * <p>One broker per JVM (Qpid keeps process-wide state). Thread-safe; {@link #close} is idempotent.
 */
public final class EmbeddedAmqpBroker implements AutoCloseable {

    public static final String USERNAME = "guest";
    public static final String PASSWORD = "guest";

    private static final String INITIAL_CONFIG = "qpid-initial-config.json";

    private final SystemLauncher launcher;
    private final Path storeDirectory;
    private final int port;
    private boolean closed;

    private EmbeddedAmqpBroker(SystemLauncher launcher, Path storeDirectory, int port) {
        this.launcher = launcher;
        this.storeDirectory = storeDirectory;
        this.port = port;
    }

    /**
     * Starts the broker.
     *
     * @param storeDirectory created when missing; kept when the broker stops
     * @param port           0 for a free port
     * @throws EmbeddedServiceException when the broker does not come up
     */
    public static EmbeddedAmqpBroker start(Path storeDirectory, int port) {
        return start(storeDirectory, port, USERNAME, PASSWORD);
    }

    /**
     * Starts the broker with one user of this name and password (both plain text without quotes or {@code $}).
     *
     * @throws EmbeddedServiceException when the broker does not come up
     */
    public static EmbeddedAmqpBroker start(Path storeDirectory, int port, String username, String password) {
        if (!username.matches("[A-Za-z0-9_.@-]{1,64}") || !password.matches("[A-Za-z0-9_.~+/=-]{1,256}")) {
            throw new IllegalArgumentException("broker user names and passwords are plain text (letters, digits, _.-~+/=)");
        }
        Path folder = storeDirectory.toAbsolutePath().normalize();
        if (System.getProperty("derby.stream.error.file") == null) {
            // Derby (the message store) otherwise writes derby.log into whatever the current directory is
            System.setProperty("derby.stream.error.file", folder.resolve("derby.log").toString());
        }
        int chosen = port == 0 ? FreePort.find() : port;
        URL initialConfig = Objects.requireNonNull(EmbeddedAmqpBroker.class.getResource(INITIAL_CONFIG), INITIAL_CONFIG);
        Map<String, String> context = new HashMap<>();
        context.put("qpid.work_dir", folder.toString());
        context.put("qpid.amqp_port", Integer.toString(chosen));
        context.put("modelpress.unknownQueueArguments", "LOG");
        context.put("modelpress.brokerUser", username);
        context.put("modelpress.brokerPassword", password);

        Map<String, Object> attributes = new HashMap<>();
        attributes.put(SystemConfig.TYPE, "Memory");
        attributes.put(SystemConfig.INITIAL_CONFIGURATION_LOCATION, initialConfig.toExternalForm());
        attributes.put(SystemConfig.STARTUP_LOGGED_TO_SYSTEM_OUT, false);
        attributes.put(SystemConfig.CONTEXT, context);

        StartupFailure failure = new StartupFailure();
        SystemLauncher launcher = new SystemLauncher(failure);
        try {
            Files.createDirectories(folder);
            launcher.startup(attributes);
        } catch (Exception e) {
            failure.errorOnStartup(new IllegalStateException(e));
        }
        if (failure.error != null) {
            throw new EmbeddedServiceException("the AMQP broker did not start on port " + chosen + " with store " + folder,
                    failure.error);
        }
        // Qpid reports itself ready even when the virtual host failed (say, its store is unreadable)
        String problem = failure.virtualHostProblem();
        if (problem != null) {
            launcher.shutdown();
            throw new EmbeddedServiceException("the AMQP broker on port " + chosen + " started without its virtual host ("
                    + problem + "); see the log above, store " + folder);
        }
        withdrawShutdownHook(failure.systemConfig.getContainer(Broker.class));
        return new EmbeddedAmqpBroker(launcher, folder, chosen);
    }

    /**
     * Qpid's broker registers a JVM shutdown hook of its own that closes it at SIGTERM, concurrently with its owner's
     * hook: the broker then vanished under the API and the worker while they were still stopping (their AMQP
     * connections failed mid-close and {@link #close} found a broker already shutting down). The owner stops it, in
     * order, after its clients, so the hook is taken back.
     */
    private static void withdrawShutdownHook(Broker<?> broker) {
        Thread hook;
        try {
            // declared by BrokerImpl; the instance is a subclass (BrokerImplWithAccessChecking)
            Class<?> type = broker.getClass();
            while (type != null && java.util.Arrays.stream(type.getDeclaredFields())
                    .noneMatch(f -> f.getName().equals("_shutdownHook"))) {
                type = type.getSuperclass();
            }
            if (type == null) {
                throw new NoSuchFieldException("_shutdownHook");
            }
            java.lang.reflect.Field field = type.getDeclaredField("_shutdownHook");
            field.setAccessible(true);
            hook = (Thread) field.get(broker);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new EmbeddedServiceException("cannot take back the shutdown hook of Qpid's broker "
                    + broker.getClass().getName() + "; was qpid-broker-core upgraded?", e);
        }
        if (hook != null) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /** The AMQP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    public Path storeDirectory() {
        return storeDirectory;
    }

    /** Qpid reports a failed start to its listener instead of throwing; this keeps the first error. */
    private static final class StartupFailure extends SystemLauncherListener.DefaultSystemLauncherListener {
        private RuntimeException error;
        private SystemConfig<?> systemConfig;

        @Override
        public void onContainerResolve(SystemConfig<?> systemConfig) {
            this.systemConfig = systemConfig;
        }

        /** Null when the default virtual host is active, else what is wrong with it. */
        String virtualHostProblem() {
            if (systemConfig == null) {
                return "no broker";
            }
            VirtualHostNode<?> node = systemConfig.getContainer(Broker.class).findDefautVirtualHostNode();
            if (node == null || node.getState() != State.ACTIVE) {
                return "node " + (node == null ? "missing" : node.getState());
            }
            if (node.getVirtualHost() == null || node.getVirtualHost().getState() != State.ACTIVE) {
                return "host " + (node.getVirtualHost() == null ? "missing" : node.getVirtualHost().getState());
            }
            return null;
        }

        @Override
        public void errorOnStartup(RuntimeException e) {
            if (error == null) {
                error = e;
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            launcher.shutdown();
        }
    }
}
