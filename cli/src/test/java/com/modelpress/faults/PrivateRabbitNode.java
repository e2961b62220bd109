package com.modelpress.faults;

import com.modelpress.files.FileTrees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RabbitMQ node of its own ({@value #NODE}) that the scenarios may stop and start, so that the machine's broker is
 * never touched: its own AMQP and distribution ports, data, logs, configuration and (empty) plugin list in a temporary
 * folder. Started with the installed {@code rabbitmq-server -detached}, which runs it as the {@code rabbitmq} user and
 * so shares the machine node's Erlang cookie with {@code rabbitmqctl}.
 *
 * <p>Not thread-safe. {@link #close} stops the node and deletes its folder; a JVM shutdown hook does the same if the
 * test JVM exits first. A node left behind by a killed earlier run is stopped before starting.
 */
final class PrivateRabbitNode implements AutoCloseable {

    static final String NODE = "mpfaults@localhost";
    private static final Path SERVER = Path.of("/usr/sbin/rabbitmq-server");
    private static final Path CTL = Path.of("/usr/sbin/rabbitmqctl");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private final Path folder;
    private final int port;
    private final Thread shutdownHook;
    private boolean stopped;

    private PrivateRabbitNode(Path folder, int port) {
        this.folder = folder;
        this.port = port;
        this.shutdownHook = new Thread(this::stopQuietly, "private-rabbitmq-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Whether {@code rabbitmq-server} and {@code rabbitmqctl} are installed here. */
    static boolean installed() {
        return Files.isExecutable(SERVER) && Files.isExecutable(CTL);
    }

    /**
     * Starts the node and waits until it accepts AMQP connections.
     *
     * @throws IllegalStateException when it does not come up (its log is in the message)
     */
    static PrivateRabbitNode start() throws IOException {
        run(List.of(CTL.toString(), "-n", NODE, "stop"), Map.of(), true); // a leftover of a killed run
        Path folder = Files.createTempDirectory("mpfaults-rabbitmq-");
        // the node runs as the rabbitmq user: let it write here
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port = freePort();
        int distributionPort = freePort();
        Files.writeString(folder.resolve("rabbitmq.conf"), """
                listeners.tcp.local = 127.0.0.1:%d
                loopback_users = none
                consumer_timeout = 21600000
                """.formatted(port));
        Files.writeString(folder.resolve("enabled_plugins"), "[].\n");
        Files.writeString(folder.resolve("rabbitmq-env.conf"), "");
        PrivateRabbitNode node = new PrivateRabbitNode(folder, port);
        Map<String, String> environment = Map.of(
                "RABBITMQ_NODENAME", NODE,
                "RABBITMQ_DIST_PORT", Integer.toString(distributionPort),
                "RABBITMQ_MNESIA_BASE", folder.resolve("mnesia").toString(),
                "RABBITMQ_LOG_BASE", folder.resolve("log").toString(),
                "RABBITMQ_CONFIG_FILE", folder.resolve("rabbitmq.conf").toString(),
                "RABBITMQ_ENABLED_PLUGINS_FILE", folder.resolve("enabled_plugins").toString(),
                "RABBITMQ_CONF_ENV_FILE", folder.resolve("rabbitmq-env.conf").toString(),
                "RABBITMQ_PID_FILE", folder.resolve("node.pid").toString(),
                "ERL_EPMD_ADDRESS", "127.0.0.1");
        try {
            run(List.of(SERVER.toString(), "-detached"), environment, false);
            Pause.until("the private RabbitMQ on port " + port, Duration.ofSeconds(120), node::answers);
            return node;
        } catch (RuntimeException e) {
            String log = node.logTail();
            node.close();
            throw new IllegalStateException("the private RabbitMQ node did not start: " + e.getMessage() + "\n" + log, e);
        }
    }

    int port() {
        return port;
    }

    /**
     * A free port outside 25672 and 35672–35682: the machine node's distribution port and the range its
     * {@code rabbitmqctl} listens on while it runs (a listener there fails at {@code start_app} with eaddrinuse).
     */
    private static int freePort() {
        while (true) {
            int port = FaultRig.freePort();
            if (port != 25672 && (port < 35672 || port > 35682)) {
                return port;
            }
        }
    }

    /** {@code rabbitmqctl stop_app}: the node stays up, the broker inside it stops (connections drop). */
    void stopApp() {
        ctl("stop_app");
    }

    /** {@code rabbitmqctl start_app}, then waits until AMQP answers again. */
    void startApp() {
        ctl("start_app");
        Pause.until("the private RabbitMQ answers again", Duration.ofSeconds(60), this::answers);
    }

    private boolean answers() {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void ctl(String... arguments) {
        List<String> command = new ArrayList<>(List.of(CTL.toString(), "-n", NODE));
        command.addAll(List.of(arguments));
        run(command, Map.of(), false);
    }

    private static String run(List<String> command, Map<String, String> environment, boolean mayFail) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
            if (process.exitValue() != 0 && !mayFail) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private String logTail() {
        try (Stream<Path> files = Files.walk(folder.resolve("log"))) {
            StringBuilder tail = new StringBuilder();
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                List<String> lines = Files.readAllLines(file);
                tail.append("--- ").append(file.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
            }
            return tail.toString();
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
    }

    private synchronized void stopQuietly() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            run(List.of(CTL.toString(), "-n", NODE, "stop"), Map.of(), true);
        } finally {
            FileTrees.deleteQuietly(folder); // a leftover temporary folder is harmless
        }
    }

    /** Stops the node and deletes its folder. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (and does nothing more)
        }
    }
}
