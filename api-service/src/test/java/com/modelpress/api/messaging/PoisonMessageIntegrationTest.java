package com.modelpress.api.messaging;

import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.Topology;
import com.rabbitmq.client.GetResponse;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PoisonMessageIntegrationTest extends ApiIntegrationTest {

    @Test
    void jobMessageThatNoWorkerFinishesIsDeadLetteredAndTheJobFails() {
        org.junit.jupiter.api.Assumptions.assumeTrue(com.modelpress.api.support.TestServices.realBroker(),
                "the embedded AMQP broker has no delivery limit or dead-lettering; runs against RabbitMQ");
        UUID id = UUID.fromString(api.submit("model".getBytes(StandardCharsets.UTF_8), "model.onnx",
                "{\"method\":\"int8\"}", null).json().get("id").asString());
        // a worker that crashes on every delivery (nack + requeue) until the broker gives up
        RabbitTemplate rabbit = new RabbitTemplate(connectionFactory);
        int deliveries = rabbit.execute(channel -> {
            int count = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                GetResponse response = channel.basicGet(Topology.JOBS_QUEUE, false);
                if (response == null) {
                    if (isDeadLettered(id)) {
                        break;
                    }
                    Thread.sleep(50);
                    continue;
                }
                count++;
                channel.basicNack(response.getEnvelope().getDeliveryTag(), false, true);
            }
            return count;
        });
        assertThat(deliveries).isGreaterThanOrEqualTo(Topology.JOBS_DELIVERY_LIMIT);

        JsonNode failed = await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/v1/jobs/" + id).json(),
                job -> job.get("status").asString().equals("FAILED"));
        assertThat(failed.get("error").get("code").asString()).isEqualTo("poison_message");
        assertThat(failed.get("error").get("message").asString())
                .isEqualTo("delivered %d times without finishing".formatted(deliveries));
    }

    private boolean isDeadLettered(UUID id) {
        return jdbc.sql("select status from jobs where id = :id").param("id", id).query(String.class).single()
                .equals("FAILED");
    }

    @Test
    void unparseableEventIsDroppedAndLaterEventsStillApply() {
        UUID id = UUID.fromString(api.submit("model".getBytes(StandardCharsets.UTF_8), "model.onnx",
                "{\"method\":\"int8\"}", null).json().get("id").asString());
        worker.publishRaw("{\"type\":\"exploded\",".getBytes(StandardCharsets.UTF_8));
        worker.publishRaw("{\"type\":\"started\",\"jobId\":\"not-a-uuid\"}".getBytes(StandardCharsets.UTF_8));
        worker.publish(SimulatedWorker.started(id, 1, 1));

        await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/v1/jobs/" + id).json()
                .get("status").asString().equals("RUNNING"));
        QueueInformation events = amqpAdmin.getQueueInfo(Topology.EVENTS_QUEUE);
        assertThat(events).isNotNull();
        await().atMost(Duration.ofSeconds(20)).until(() -> amqpAdmin.getQueueInfo(Topology.EVENTS_QUEUE).getMessageCount() == 0);
        assertThat(amqpAdmin.getQueueInfo(Topology.EVENTS_QUEUE).getConsumerCount()).isGreaterThanOrEqualTo(1);
        assertThat(api.get("/api/v1/jobs/" + id + "/events").json()).hasSize(1);
    }

    @Test
    void eventForAnUnknownJobIsAcknowledgedAndDropped() {
        UUID unknown = UUID.randomUUID();
        worker.publish(new JobEvent.Heartbeat(unknown, 1, 1, java.time.Instant.now()));
        await().atMost(Duration.ofSeconds(20)).until(() -> amqpAdmin.getQueueInfo(Topology.EVENTS_QUEUE).getMessageCount() == 0);
        assertThat(jdbc.sql("select count(*) from job_events").query(Long.class).single()).isZero();
    }
}
