package com.modelpress.embedded;

import com.modelpress.files.FileTrees;
import java.util.Map;
import java.util.LinkedHashMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Adobe S3Mock, a real S3-compatible HTTP server, run from its executable jar as a child JVM on 127.0.0.1: the object
 * store of tests for the S3 artifact store. Not in-process: S3Mock is a Spring Boot application built on another
 * Spring Boot version than ModelPress.
 *
 * <p>The jar is {@value #JAR_PROPERTY} (system property), else {@code target/s3mock/s3mock-exec.jar} under the
 * working directory, where the build's {@code s3mock} execution of maven-dependency-plugin copies
 * {@code com.adobe.testing:s3mock:exec}. S3Mock accepts any credentials and region {@value #REGION}; it answers
 * path-style requests. Its objects live in a temporary folder that {@link #close} deletes.
 *
 * <p>Thread-safe. {@link #close} stops the server and is idempotent.
 */
public final class S3MockServer implements AutoCloseable {

    public static final String JAR_PROPERTY = "modelpress.test.s3mock.jar";
    /** The region S3Mock signs for; any access key and secret are accepted. */
    public static final String REGION = "us-east-1";
    /** The credentials S3Mock accepts (any would do; these are the ones the tests use). */
    public static final String ACCESS_KEY = "test-key";
    public static final String SECRET_KEY = "test-secret";

    private static final Path DEFAULT_JAR = Path.of("target", "s3mock", "s3mock-exec.jar");
    /** Generous: S3Mock is a Spring Boot application and the machine may be busy with other builds. */
    private static final Duration STARTUP_WAIT = Duration.ofMinutes(4);
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private static S3MockServer shared;

    private final Process process;
    private final Path folder;
    private final Path log;
    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private S3MockServer(Process process, Path folder, Path log, URI endpoint) {
        this.process = process;
        this.folder = folder;
        this.log = log;
        this.endpoint = endpoint;
    }

    /**
     * One server for the whole JVM, started on first use and stopped when the JVM exits; tests share it and keep
     * apart through their own buckets or key prefixes.
     *
     * @throws EmbeddedServiceException when the jar is missing or the server does not come up
     */
    public static synchronized S3MockServer shared() {
        if (shared == null) {
            S3MockServer server = start(jar());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3mock-stop"));
            shared = server;
        }
        return shared;
    }

    /**
     * Starts S3Mock from {@code jar} on a free port and waits until it answers.
     *
     * @throws EmbeddedServiceException when the jar is missing or the server does not come up
     */
    public static S3MockServer start(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new EmbeddedServiceException("S3Mock's executable jar is not at " + jar.toAbsolutePath()
                    + ": build the module with Maven (its s3mock execution copies com.adobe.testing:s3mock:exec there) "
                    + "or set -D" + JAR_PROPERTY + "=<path>");
        }
        Path folder;
        try {
            folder = Files.createTempDirectory("modelpress-s3mock");
            Files.createDirectories(folder.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a folder for S3Mock", e);
        }
        int port = FreePort.find();
        Path log = folder.resolve("s3mock.log");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", jar.toAbsolutePath().toString(),
                "--http.port=" + port,
                "--server.port=0",                                  // its HTTPS connector: any free port
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + folder.resolve("data"),
                "--com.adobe.testing.s3mock.store.retain-files-on-exit=false",
                "--com.adobe.testing.s3mock.max-payload-size=64MB",
                "--spring.main.banner-mode=off");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            FileTrees.deleteQuietly(folder);
            throw new EmbeddedServiceException("could not start S3Mock (" + String.join(" ", command) + ")", e);
        }
        S3MockServer server = new S3MockServer(process, folder, log, URI.create("http://127.0.0.1:" + port));
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@code http://127.0.0.1:<port>}: the endpoint to give an S3 client (path-style access). */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * The {@code modelpress.storage.*} settings of a service whose artifacts go to {@code bucket} on this server:
     * type {@code s3}, the endpoint with path-style access, {@link #REGION} and the test credentials.
     *
     * @param prefix nullable: no key prefix
     */
    public Map<String, String> storageProperties(String bucket, String prefix) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("modelpress.storage.type", "s3");
        properties.put("modelpress.storage.s3.bucket", bucket);
        if (prefix != null) {
            properties.put("modelpress.storage.s3.prefix", prefix);
        }
        properties.put("modelpress.storage.s3.endpoint", endpoint.toString());
        properties.put("modelpress.storage.s3.region", REGION);
        properties.put("modelpress.storage.s3.path-style-access", "true");
        properties.put("modelpress.storage.s3.access-key-id", ACCESS_KEY);
        properties.put("modelpress.storage.s3.secret-access-key", SECRET_KEY);
        return properties;
    }

    /**
     * Creates a bucket; nothing when it exists.
     *
     * @param name an S3 bucket name (lower case letters, digits, dots and hyphens)
     */
    public void createBucket(String name) {
        if (!BUCKET_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an S3 bucket name: '" + name + "'");
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint.resolve("/" + name))
                .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build());
        if (response.statusCode() != 200 && !response.body().contains("BucketAlreadyOwnedByYou")) {
            throw new EmbeddedServiceException("S3Mock at %s refused to create bucket %s: %d %s"
                    .formatted(endpoint, name, response.statusCode(), response.body()));
        }
    }

    @Override
    public synchronized void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        FileTrees.deleteQuietly(folder);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        HttpRequest listBuckets = HttpRequest.newBuilder(endpoint.resolve("/")).GET().timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new EmbeddedServiceException("S3Mock exited with status %d before answering on %s; its log ends:%n%s"
                        .formatted(process.exitValue(), endpoint, logTail()));
            }
            try {
                if (http.send(listBuckets, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
                // still starting
            } catch (IOException notYet) {
                // the connector is up but the application is not ready
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedServiceException("interrupted while waiting for S3Mock on " + endpoint);
            }
            sleep(Duration.ofMillis(250));
        }
        throw new EmbeddedServiceException("S3Mock did not answer on %s within %s; its log ends:%n%s"
                .formatted(endpoint, STARTUP_WAIT, logTail()));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new EmbeddedServiceException("S3Mock at " + endpoint + " did not answer " + request.method() + " "
                    + request.uri().getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedServiceException("interrupted while calling S3Mock at " + endpoint);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static Path jar() {
        String configured = System.getProperty(JAR_PROPERTY);
        return configured == null || configured.isBlank() ? DEFAULT_JAR : Path.of(configured.strip());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedServiceException("interrupted while waiting for S3Mock");
        }
    }
}
