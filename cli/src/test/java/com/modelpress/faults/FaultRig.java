package com.modelpress.faults;

import com.modelpress.contracts.job.Topology;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * One deployment under test: an api-service process and any number of worker-service processes, all separate OS
 * processes, on one PostgreSQL database, one RabbitMQ virtual host and one artifact folder. Also the test's own view
 * of them: the REST API (as a client), PostgreSQL (read-only checks) and RabbitMQ (queue depths, raw publishes).
 *
 * <p>Not thread-safe; one per scenario. {@link #close} kills every process it started.
 */
final class FaultRig implements AutoCloseable {

    /** The admin key of the auth contract; harmless where the API has no authentication. */
    static final String ADMIN_KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";
    /** Generous: Spring Boot starts slowly on a 2-core machine that is busy with other builds. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(240);

    /** Where PostgreSQL and RabbitMQ are, from the test's point of view and the services'. */
    record Services(String jdbcUrl, String dbUser, String dbPassword, String amqpHost, int amqpPort,
                    String amqpUser, String amqpPassword, String virtualHost) {}

    /**
     * On some hosts (this CI machine among them) a JVM started with {@code java -cp} dies with SIGSEGV when ONNX
     * Runtime 1.29 creates its first session unless threads get at least 8 MB of stack (4 MB still crashes).
     */
    static final String WORKER_STACK = "-Xss8m";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private String scenario;
    private final Services services;
    private final Path storage;
    private final Path workDir;
    private final Path logs;
    private final int apiPort;
    private final Map<String, String> apiOverrides = new LinkedHashMap<>();
    private ServiceProcess api;
    private int apiStarts;
    private final List<ServiceProcess> workers = new ArrayList<>();
    /** Nullable: the repository root whose service jars run the services, else the test class path does. */
    private Path serviceJars;

    FaultRig(String scenario, Services services, Path root, Path logs) throws IOException {
        this.scenario = scenario;
        this.services = services;
        this.storage = Files.createDirectories(root.resolve("artifacts"));
        this.workDir = Files.createDirectories(root.resolve("work"));
        this.logs = logs;
        this.apiPort = freePort();
    }

    /**
     * Services started from now on run from the release jars of {@code repository} ({@code api-service/target/
     * api-service-*-exec.jar}, the same for the worker), started as {@code java -jar} in that folder.
     */
    FaultRig fromServiceJars(Path repository) {
        this.serviceJars = repository;
        return this;
    }

    private ServiceProcess launch(String name, String module, String mainClass, int port, List<String> jvmOptions,
                                  Map<String, String> properties, Path log) {
        if (serviceJars == null) {
            return ServiceProcess.start(name, mainClass, port, jvmOptions, properties, log);
        }
        Path jar;
        try (var files = Files.list(serviceJars.resolve(module).resolve("target"))) {
            jar = files.filter(f -> f.getFileName().toString().matches(module + "-.*-exec\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + module + "/target/" + module
                            + "-*-exec.jar: build it first (./mvnw -pl " + module + " -am package)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ServiceProcess.startJar(name, jar, serviceJars, port, jvmOptions, properties, log);
    }

    /** Names the scenario now running: log files of processes started from now on carry its name. */
    void scenario(String name) {
        this.scenario = name;
    }

    Services services() {
        return services;
    }

    Path storage() {
        return storage;
    }

    // ---------------------------------------------------------------- processes

    /** Starts the API (same port every time, so clients keep their URL across restarts) and waits until it is ready. */
    ServiceProcess startApi() {
        Map<String, String> properties = new LinkedHashMap<>(springServices());
        properties.put("spring.datasource.url", services.jdbcUrl());
        properties.put("spring.datasource.username", services.dbUser());
        properties.put("spring.datasource.password", services.dbPassword());
        properties.put("modelpress.api.auth.admin-key", ADMIN_KEY);
        properties.put("modelpress.outbox.poll-interval", "200ms");
        properties.put("modelpress.outbox.confirm-timeout", "5s");
        properties.put("spring.datasource.hikari.connection-timeout", "5000");
        properties.putAll(apiOverrides);
        apiStarts++;
        api = launch("api-" + apiStarts, "api-service", ServiceProcess.API_MAIN, apiPort, List.of("-Xmx384m",
                        "-XX:TieredStopAtLevel=1"), properties,
                logs.resolve(scenario + "-api.log"));
        return api.awaitReady(READY_TIMEOUT);
    }

    ServiceProcess api() {
        return api;
    }

    /** Starts a worker and waits until it is ready (its listener container is up). */
    ServiceProcess startWorker(Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>(springServices());
        // the test classpath holds api-service too: keep the worker off PostgreSQL, as its own jar is
        properties.put("modelpress.worker.work-dir", workDir.toString());
        // once the engine runs in a child JVM per job (the sandbox), that JVM needs the same stack; ignored before
        properties.put("modelpress.worker.sandbox.java-options", WORKER_STACK);
        properties.put("modelpress.worker.heartbeat-interval", "2s");
        properties.put("modelpress.worker.progress-interval", "200ms");
        properties.putAll(extra);
        ServiceProcess worker = launch("worker-" + (workers.size() + 1), "worker-service", ServiceProcess.WORKER_MAIN,
                freePort(), List.of("-Xmx512m", WORKER_STACK),
                properties, logs.resolve(scenario + "-worker-" + (workers.size() + 1) + ".log"));
        workers.add(worker);
        return worker.awaitReady(READY_TIMEOUT);
    }

    ServiceProcess startWorker() {
        return startWorker(Map.of());
    }

    private Map<String, String> springServices() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.rabbitmq.host", services.amqpHost());
        properties.put("spring.rabbitmq.port", Integer.toString(services.amqpPort()));
        properties.put("spring.rabbitmq.username", services.amqpUser());
        properties.put("spring.rabbitmq.password", services.amqpPassword());
        properties.put("spring.rabbitmq.virtual-host", services.virtualHost());
        properties.put("modelpress.storage.root", storage.toString());
        properties.put("logging.level.com.modelpress", "INFO");
        return properties;
    }

    // ---------------------------------------------------------------- REST API

    URI apiUri(String path) {
        return URI.create("http://127.0.0.1:%d%s".formatted(apiPort, path));
    }

    /**
     * Submits {@code model} for int4 and asserts the API accepted it (202).
     *
     * @return the job id
     */
    UUID submit(byte[] model, String name) {
        String boundary = "faults-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String request = "{\"method\":\"int4\",\"evaluation\":{\"samples\":8,\"seed\":7},\"metadata\":{\"scenario\":\"%s\"}}"
                .formatted(scenario);
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"request\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + request + "\r\n");
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"; filename=\"" + name + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n");
        body.writeBytes(model);
        write(body, "\r\n--" + boundary + "--\r\n");
        HttpResponse<String> response = send(HttpRequest.newBuilder(apiUri("/api/v1/jobs"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        if (response.statusCode() != 202) {
            throw new AssertionError("submit answered " + response.statusCode() + ": " + response.body());
        }
        return UUID.fromString(JSON.readTree(response.body()).path("id").asString());
    }

    JsonNode json(String text) {
        return JSON.readTree(text);
    }

    /** GET /api/v1/jobs/{id}. */
    JsonNode job(UUID id) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(apiUri("/api/v1/jobs/" + id)).GET());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET job " + id + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** GET /api/v1/jobs/{id}/artifacts: name → sha256. */
    Map<String, String> listedArtifacts(UUID id) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(apiUri("/api/v1/jobs/" + id + "/artifacts")).GET());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET artifacts of " + id + " answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode root = JSON.readTree(response.body());
        JsonNode list = root.isArray() ? root : root.path("artifacts");
        Map<String, String> artifacts = new LinkedHashMap<>();
        for (JsonNode artifact : list) {
            artifacts.put(artifact.path("name").asString(), artifact.path("sha256").asString());
        }
        return artifacts;
    }

    /** Downloads an artifact through the API. */
    byte[] download(UUID id, String name) {
        try {
            HttpResponse<byte[]> response = HTTP.send(authorized(HttpRequest.newBuilder(
                    apiUri("/api/v1/jobs/" + id + "/artifacts/" + name)).GET()), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new AssertionError("download of " + name + " of " + id + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest authorized(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + ADMIN_KEY).timeout(Duration.ofSeconds(30)).build();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(authorized(request), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- PostgreSQL

    java.sql.Connection database() throws SQLException {
        return DriverManager.getConnection(services.jdbcUrl(), services.dbUser(), services.dbPassword());
    }

    /** The job's status in PostgreSQL, or null when there is no such row (or the database is away). */
    String status(UUID id) {
        try (java.sql.Connection db = database();
             PreparedStatement query = db.prepareStatement("select status from jobs where id = ?")) {
            query.setObject(1, id);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    boolean allTerminal(List<UUID> ids) {
        return ids.stream().map(this::status).allMatch(JobInvariants::isTerminal);
    }

    /** Waits until every job is terminal in PostgreSQL. */
    void awaitTerminal(List<UUID> ids, Duration timeout) {
        Pause.until("jobs " + ids + " terminal (now " + ids.stream().map(this::status).toList() + ")", timeout,
                () -> allTerminal(ids));
    }

    /** The highest {@code received_id} in {@code job_events} (0 when none): a mark to wait for newer events. */
    long eventMark() {
        try (java.sql.Connection db = database();
             PreparedStatement query = db.prepareStatement("select coalesce(max(received_id), 0) from job_events");
             ResultSet row = query.executeQuery()) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A job attempt the API has seen make progress. */
    record Running(UUID jobId, int attempt) {}

    /**
     * Waits for a {@code progress} event received after {@code mark} of one of {@code ids}: the engine is then
     * compressing (past the download), so a kill hits a job mid-run.
     */
    Running awaitProgress(long mark, List<UUID> ids, Duration timeout) {
        Running[] found = new Running[1];
        Pause.until("a progress event after #" + mark, timeout, () -> {
            try (java.sql.Connection db = database();
                 PreparedStatement query = db.prepareStatement("""
                         select job_id, attempt from job_events where received_id > ? and type = 'progress'
                         and payload->>'step' <> 'download' order by received_id limit 1""")) {
                query.setLong(1, mark);
                try (ResultSet row = query.executeQuery()) {
                    if (row.next() && ids.contains(row.getObject(1, UUID.class))) {
                        found[0] = new Running(row.getObject(1, UUID.class), row.getInt(2));
                        return true;
                    }
                    return false;
                }
            } catch (SQLException e) {
                return false;
            }
        });
        return found[0];
    }

    /** Unpublished outbox rows. */
    long unpublishedOutbox() {
        try (java.sql.Connection db = database();
             PreparedStatement query = db.prepareStatement("select count(*) from outbox where published_at is null");
             ResultSet row = query.executeQuery()) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The job message the API queued for {@code id}, as the outbox stored it. */
    byte[] jobMessage(UUID id) throws SQLException {
        try (java.sql.Connection db = database();
             PreparedStatement query = db.prepareStatement(
                     "select payload::text from outbox where kind = 'JOB' and payload->>'jobId' = ? order by id limit 1")) {
            query.setString(1, id.toString());
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    throw new AssertionError("no outbox row holds the job message of " + id);
                }
                return row.getString(1).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    // ---------------------------------------------------------------- RabbitMQ

    private Connection amqp() throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(services.amqpHost());
        factory.setPort(services.amqpPort());
        factory.setUsername(services.amqpUser());
        factory.setPassword(services.amqpPassword());
        factory.setVirtualHost(services.virtualHost());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection("fault-tests");
    }

    /** Ready messages in a queue (0 when the queue does not exist yet). */
    long queueDepth(String queue) {
        try (Connection connection = amqp(); Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        } catch (IOException e) {
            return 0; // the passive declare closes the channel when the queue does not exist
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empties the job, event and dead-letter queues (of an earlier, interrupted run). */
    void purgeQueues() {
        for (String queue : List.of(Topology.JOBS_QUEUE, Topology.EVENTS_QUEUE, Topology.JOBS_DEAD_LETTER_QUEUE)) {
            try (Connection connection = amqp(); Channel channel = connection.createChannel()) {
                channel.queuePurge(queue);
            } catch (IOException e) {
                // not declared yet: nothing to purge
            } catch (TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Publishes {@code body} to the jobs exchange as the outbox relay does (persistent JSON, confirmed): the same job
     * message a second time, as when the relay's mark-as-published was lost after the broker confirmed.
     */
    void publishJobMessage(byte[] body) throws IOException, TimeoutException, InterruptedException {
        try (Connection connection = amqp(); Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            Map<String, Object> headers = new HashMap<>();
            headers.put("__TypeId__", "com.modelpress.contracts.job.JobMessage");
            channel.basicPublish(Topology.JOBS_EXCHANGE, Topology.JOBS_ROUTING_KEY, true,
                    new AMQP.BasicProperties.Builder().contentType("application/json").contentEncoding("UTF-8")
                            .deliveryMode(2).messageId("fault-duplicate-" + UUID.randomUUID()).headers(headers).build(),
                    body);
            channel.waitForConfirmsOrDie(10_000);
        }
    }

    // ---------------------------------------------------------------- worker metrics

    /** How many attempts a worker has finished (any outcome), from its Prometheus endpoint; -1 when it does not answer. */
    static long finishedAttempts(ServiceProcess worker) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:%d/actuator/prometheus".formatted(worker.port())))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.body().lines()
                    .filter(line -> line.startsWith("modelpress_worker_job_duration_seconds_count"))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** SIGTERM to every worker still running (graceful), then the API. */
    void stopAll() {
        for (ServiceProcess worker : workers) {
            if (worker.isAlive()) {
                worker.terminate(Duration.ofSeconds(60));
            }
        }
        if (api != null && api.isAlive()) {
            api.terminate(Duration.ofSeconds(30));
        }
    }

    @Override
    public void close() {
        workers.forEach(ServiceProcess::close);
        if (api != null) {
            api.close();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
