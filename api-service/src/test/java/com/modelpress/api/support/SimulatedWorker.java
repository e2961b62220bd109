package com.modelpress.api.support;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Plays the worker's side of the contract against the real broker: takes job messages from the jobs queue,
 * writes artifacts to the store, publishes events, and listens to the cancel broadcast on its own
 * server-named exclusive queue (as a worker does).
 */
public final class SimulatedWorker implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final RabbitTemplate rabbit;
    private final JsonMapper json;
    private final ArtifactStore store;
    private final String cancelQueue;
    private final ConnectionFactory connectionFactory;
    private com.rabbitmq.client.Channel events;

    public SimulatedWorker(ConnectionFactory connectionFactory, JsonMapper json, ArtifactStore store) {
        this.rabbit = new RabbitTemplate(connectionFactory);
        this.connectionFactory = connectionFactory;
        this.json = json;
        this.store = store;
        this.cancelQueue = rabbit.execute(channel -> {
            String queue = channel.queueDeclare().getQueue();
            channel.queueBind(queue, Topology.CANCEL_EXCHANGE, "");
            return queue;
        });
    }

    /** The next job message for {@code jobId}; messages of other jobs are acknowledged and dropped. */
    public Received awaitJob(UUID jobId) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Message message = rabbit.receive(Topology.JOBS_QUEUE, 500);
            if (message != null) {
                JobMessage job = json.readValue(message.getBody(), JobMessage.class);
                if (job.jobId().equals(jobId)) {
                    return new Received(job, message.getMessageProperties());
                }
            }
        }
        throw new AssertionError("no job message for " + jobId + " within " + WAIT);
    }

    /** Whatever is on the jobs queue now, or null. */
    public Message poll(long timeoutMillis) {
        return rabbit.receive(Topology.JOBS_QUEUE, timeoutMillis);
    }

    public record Received(JobMessage job, MessageProperties properties) {}

    /** The next cancel broadcast for {@code jobId}. */
    public CancelMessage awaitCancel(UUID jobId) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Message message = rabbit.receive(cancelQueue, 500);
            if (message != null) {
                CancelMessage cancel = json.readValue(message.getBody(), CancelMessage.class);
                if (cancel.jobId().equals(jobId)) {
                    return cancel;
                }
            }
        }
        throw new AssertionError("no cancel message for " + jobId + " within " + WAIT);
    }

    public void publish(JobEvent event) {
        publishRaw(json.writeValueAsBytes(event));
    }

    /**
     * Publishes on a channel of its own, as a worker's attempt does: messages of one channel reach the queue in the
     * order they were sent (the template's cached channels, shared with the API's own publishers, would not keep it).
     */
    public synchronized void publishRaw(byte[] body) {
        try {
            if (events == null) {
                events = connectionFactory.createConnection().createChannel(false);
            }
            events.basicPublish(Topology.EVENTS_EXCHANGE, Topology.EVENTS_ROUTING_KEY,
                    new com.rabbitmq.client.AMQP.BasicProperties.Builder().contentType(MessageProperties.CONTENT_TYPE_JSON)
                            .build(), body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Stores an output the way a worker does, under {@code jobs/{jobId}/attempt-{n}/{name}}. */
    public ArtifactRef writeArtifact(UUID jobId, int attempt, String name, byte[] content, String contentType)
            throws IOException {
        String key = "jobs/%s/attempt-%d/%s".formatted(jobId, attempt, name);
        StoredArtifact stored = store.put(key, new ByteArrayInputStream(content), Long.MAX_VALUE);
        return new ArtifactRef(name, key, stored.sizeBytes(), stored.sha256(), contentType);
    }

    public static JobEvent.Started started(UUID jobId, int attempt, long sequence) {
        return new JobEvent.Started(jobId, attempt, sequence, Instant.now(), "simulated-worker");
    }

    public static JobEvent.Progress progress(UUID jobId, int attempt, long sequence, String step, double fraction) {
        return new JobEvent.Progress(jobId, attempt, sequence, Instant.now(), step, fraction, null);
    }

    public static FidelityReport report(String method, String inputSha256, String outputSha256) {
        return new FidelityReport(FidelityReport.SCHEMA_VERSION, method, CompressionOptions.defaults(), inputSha256,
                outputSha256, false, new FidelityReport.Sizes(4000, 1000, 0.25, 4000, 1000), 4.5,
                List.of(new FidelityReport.OutputFidelity("logits", 0.998, 0.99, 0.03, 0.1, 30.0, 0.99, 0.001, 8)),
                List.of(), null, new FidelityReport.EvaluationInfo("synthesised", 8, List.of("input_ids: tokens")),
                7, Map.of(), new FidelityReport.Versions("test", "1.29.0", "25"), List.of(), List.of());
    }

    @Override
    public synchronized void close() {
        if (events != null) {
            try {
                events.close();
            } catch (IOException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("could not close the events channel", e);
            }
        }
        rabbit.execute(channel -> channel.queueDelete(cancelQueue));
    }
}
