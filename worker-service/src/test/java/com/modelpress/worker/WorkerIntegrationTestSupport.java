package com.modelpress.worker;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import com.modelpress.worker.attempt.CancelledJobs;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What the worker's integration tests share: a real broker ({@link TestBroker}), a temporary artifact store,
 * queues purged before each test, and helpers to store inputs, submit jobs and read their events as the API
 * would. Each test class closes its context afterwards, so only one worker consumes the jobs queue at a time.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
public abstract class WorkerIntegrationTestSupport {

    /** Generous bound for one job, so that a stuck worker fails the test instead of hanging the build. */
    static final Duration JOB_DEADLINE = Duration.ofMinutes(2);

    /** The folder below which the context's artifact store and work folder are ({@link WorkerTestWiring}). */
    protected static final Path ROOT = WorkerTestWiring.temporaryRoot();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        WorkerTestWiring.register(registry, ROOT);
    }

    @Autowired
    protected RabbitTemplate rabbit;
    @Autowired
    AmqpAdmin admin;
    @Autowired
    protected ArtifactStore store;
    @Autowired
    protected JsonMapper json;
    @Autowired
    protected CancelledJobs cancelledJobs;

    /** Events read from the events queue, by job; kept across calls so interleaved jobs lose nothing. */
    private final Map<UUID, List<JobEvent>> received = new HashMap<>();

    @BeforeEach
    void purgeQueues() {
        admin.purgeQueue(Topology.JOBS_QUEUE, false);
        admin.purgeQueue(Topology.EVENTS_QUEUE, false);
        admin.purgeQueue(Topology.JOBS_DEAD_LETTER_QUEUE, false);
    }

    protected StoredArtifact storeInput(UUID jobId, String name, byte[] content) {
        return storeInput(jobId, name, new ByteArrayInputStream(content));
    }

    StoredArtifact storeInput(UUID jobId, String name, InputStream content) {
        try (content) {
            return store.put("jobs/%s/input/%s".formatted(jobId, name), content, Long.MAX_VALUE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JobMessage job(UUID jobId, StoredArtifact input, String name, String method, Integer samples) {
        return job(jobId, input.key(), name, input.sha256(), method, samples);
    }

    static JobMessage job(UUID jobId, String inputKey, String name, String sha256, String method, Integer samples) {
        return jobEvaluatedWith(jobId, inputKey, name, sha256, method, new CompressionRequest.EvaluationSpec(samples, 7L));
    }

    static JobMessage jobEvaluatedWith(UUID jobId, String inputKey, String name, String sha256, String method,
                          CompressionRequest.EvaluationSpec evaluation) {
        CompressionRequest request = new CompressionRequest(method, CompressionOptions.defaults(), null, evaluation,
                Map.of("test", "worker"));
        return new JobMessage(JobMessage.SCHEMA_VERSION, jobId, inputKey, name, sha256, request, Instant.now());
    }

    /** Publishes the job as the API's outbox relay does. */
    void submit(JobMessage job) {
        publish(Topology.JOBS_EXCHANGE, Topology.JOBS_ROUTING_KEY, json.writeValueAsBytes(job));
    }

    /**
     * Plays the API's part after a retryable failure: the worker acknowledged the attempt's message, and the API, which
     * counts attempts, publishes the next one.
     */
    void retry(JobMessage job, JobEvent.Failed failed) {
        assertThat(failed.retryable()).as("%s is retryable", failed).isTrue();
        submit(job.forAttempt(failed.attempt() + 1));
    }

    void publish(String exchange, String routingKey, byte[] body) {
        Message message = MessageBuilder.withBody(body)
                .setContentType(MessageProperties.CONTENT_TYPE_JSON)
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .build();
        rabbit.send(exchange, routingKey, message);
    }

    /** Broadcasts a cancel, as the API does. */
    void cancel(UUID jobId) {
        publish(Topology.CANCEL_EXCHANGE, "", json.writeValueAsBytes(new CancelMessage(CancelMessage.SCHEMA_VERSION, jobId)));
    }

    /** Waits until this worker has recorded the cancel broadcast. */
    void awaitCancelRecorded(UUID jobId) throws InterruptedException {
        Instant deadline = Instant.now().plus(JOB_DEADLINE);
        while (!cancelledJobs.isCancelled(jobId)) {
            if (Instant.now().isAfter(deadline)) {
                fail("the worker never recorded the cancel of " + jobId);
            }
            Thread.sleep(20);
        }
    }

    /** The job's events up to and including its next terminal event. */
    protected List<JobEvent> awaitTerminal(UUID jobId) {
        return awaitEvent(jobId, JobEvents::isTerminal);
    }

    /** The job's events read so far, up to and including the first that matches {@code until}. */
    List<JobEvent> awaitEvent(UUID jobId, Predicate<JobEvent> until) {
        Instant deadline = Instant.now().plus(JOB_DEADLINE);
        List<JobEvent> events = received.computeIfAbsent(jobId, id -> new ArrayList<>());
        int checked = 0;
        while (true) {
            for (; checked < events.size(); checked++) {
                if (until.test(events.get(checked))) {
                    List<JobEvent> upTo = List.copyOf(events.subList(0, checked + 1));
                    events.subList(0, checked + 1).clear();
                    return upTo;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                fail("no matching event for job %s within %s; got %s".formatted(jobId, JOB_DEADLINE, events));
            }
            Message message = rabbit.receive(Topology.EVENTS_QUEUE, 500);
            if (message != null) {
                assertThat(message.getMessageProperties().getContentType()).isEqualTo(MessageProperties.CONTENT_TYPE_JSON);
                assertThat(message.getMessageProperties().getReceivedDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
                JobEvent event = json.readValue(message.getBody(), JobEvent.class);
                received.computeIfAbsent(event.jobId(), id -> new ArrayList<>()).add(event);
            }
        }
    }

    /**
     * Proves the worker settled {@code previousJob}'s message for good: with one consumer and prefetch 1, a
     * probe job is only delivered once the previous message was acked, requeued or rejected; requeued, it would
     * come back first (as another attempt, with events) and would still be in the queue.
     */
    void assertSettled(UUID previousJob) {
        UUID probe = UUID.randomUUID();
        submit(job(probe, "jobs/%s/input/none".formatted(probe), "none.onnx", "0".repeat(64), "no-such-method", null));
        assertThat(awaitTerminal(probe).getLast()).isInstanceOfSatisfying(JobEvent.Failed.class,
                failed -> assertThat(failed.code()).isEqualTo("invalid_request"));
        assertThat(received.getOrDefault(previousJob, List.of())).as("events of %s after its terminal event", previousJob).isEmpty();
        assertThat(admin.getQueueInfo(Topology.JOBS_QUEUE).getMessageCount()).as("job messages left").isZero();
    }

    /** Jobs whose events were read from the queue but not yet returned by {@link #awaitEvent}. */
    java.util.Set<UUID> jobsWithUnclaimedEvents() {
        return received.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toSet());
    }

    List<String> storedKeys(UUID jobId, int attempt) throws IOException {
        return store.list("jobs/%s/attempt-%d".formatted(jobId, attempt));
    }

}
