package com.modelpress.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Spring Boot service (api-service or worker-service) running as its own OS process, launched with this JVM's
 * {@code java} and the test classpath, configured with {@code --property=value} arguments, its output appended to a
 * log file. It can really be killed: {@link #kill()} is SIGKILL, {@link #terminate} is SIGTERM.
 *
 * <p>Not thread-safe; owned by one test.
 */
final class ServiceProcess implements AutoCloseable {

    static final String API_MAIN = "com.modelpress.api.ApiApplication";
    static final String WORKER_MAIN = "com.modelpress.worker.WorkerApplication";
    private static final String FALLBACK_JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * @param port       the service's {@code server.port} (actuator health is polled there)
     * @param jvmOptions e.g. {@code -Xmx384m}
     * @param properties Spring properties, passed as {@code --key=value}
     */
    static ServiceProcess start(String name, String mainClass, int port, List<String> jvmOptions, Map<String, String> properties,
                                Path log) {
        return start(name, List.of("-cp", classpath(), mainClass), null, port, jvmOptions, properties, log);
    }

    /**
     * As a user runs a service from its release jar: {@code java -jar RELATIVE/PATH/service-exec.jar} in
     * {@code workingDirectory} (a relative jar path once kept the worker's child JVMs from starting).
     */
    static ServiceProcess startJar(String name, Path jar, Path workingDirectory, int port, List<String> jvmOptions,
                                   Map<String, String> properties, Path log) {
        Path relative = workingDirectory.toAbsolutePath().relativize(jar.toAbsolutePath());
        return start(name, List.of("-jar", relative.toString()), workingDirectory, port, jvmOptions, properties, log);
    }

    /** @param workingDirectory nullable: this process's */
    private static ServiceProcess start(String name, List<String> launch, Path workingDirectory, int port,
                                        List<String> jvmOptions, Map<String, String> properties, Path log) {
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(jvmOptions);
        command.add("-XX:+UseSerialGC");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        command.addAll(launch);
        command.add("--server.port=" + port);
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "=== " + Instant.now() + " " + name + " starts\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .directory(workingDirectory == null ? null : workingDirectory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ServiceProcess(name, process, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** The {@code java} running this test (so the services run on the same JDK), else the project's JDK 25. */
    static String javaCommand() {
        return ProcessHandle.current().info().command()
                .filter(command -> command.endsWith("/java") && Files.isExecutable(Path.of(command)))
                .orElse(FALLBACK_JAVA);
    }

    /** Surefire keeps the real test classpath in {@code surefire.test.class.path} (java.class.path may be a manifest jar). */
    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until {@code /actuator/health/readiness} answers 200.
     *
     * @throws IllegalStateException when the process died or did not get ready in time (the log's tail says why)
     */
    ServiceProcess awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        URI health = URI.create("http://127.0.0.1:%d/actuator/health/readiness".formatted(port));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready:\n" + logTail());
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            Pause.of(Duration.ofMillis(250));
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + logTail());
    }

    /** SIGKILL, then waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        await(Duration.ofSeconds(30));
    }

    /**
     * SIGTERM, then waits up to {@code timeout} for the process to exit on its own.
     *
     * @return the exit code, or empty when it still ran at the deadline (it is then killed)
     */
    java.util.OptionalInt terminate(Duration timeout) {
        process.destroy();
        if (await(timeout)) {
            return java.util.OptionalInt.of(process.exitValue());
        }
        kill();
        return java.util.OptionalInt.empty();
    }

    private boolean await(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of this process's log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    Path log() {
        return log;
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
