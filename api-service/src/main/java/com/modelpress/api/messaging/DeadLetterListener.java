package com.modelpress.api.messaging;

import com.modelpress.api.job.JobEventIntake;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/**
 * Job messages RabbitMQ dead-lettered because no worker finished them within the delivery limit: their jobs
 * fail with {@code poison_message}. Messages that are not job messages are logged and dropped.
 */
@Component
class DeadLetterListener {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterListener.class);

    private final JobEventIntake intake;
    private final JsonMapper json;

    DeadLetterListener(JobEventIntake intake, JsonMapper json) {
        this.intake = intake;
        this.json = json;
    }

    @RabbitListener(queues = Topology.JOBS_DEAD_LETTER_QUEUE, id = "job-dead-letters")
    void onDeadLetter(Message message) {
        JobMessage job;
        try {
            job = json.readValue(message.getBody(), JobMessage.class);
        } catch (JacksonException e) {
            log.warn("dead-lettered message that is not a job message dropped: {}", e.getOriginalMessage());
            return;
        }
        if (job == null || job.jobId() == null) {
            log.warn("dead-lettered job message without a job id dropped");
            return;
        }
        long deliveries = deliveries(message);
        if (intake.failPoisoned(job.jobId(), deliveries)) {
            log.warn("job {} failed: its message was delivered {} times without finishing", job.jobId(), deliveries);
        }
    }

    /**
     * Quorum queues count deliveries in {@code x-delivery-count} (deliveries before the last); without it,
     * the limit that was exceeded.
     */
    private static long deliveries(Message message) {
        Object count = message.getMessageProperties().getHeaders().get("x-delivery-count");
        if (count instanceof Number number) {
            return number.longValue() + 1;
        }
        Object deaths = message.getMessageProperties().getHeaders().get("x-death");
        if (deaths instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Map<?, ?> death
                && "delivery_limit".equals(String.valueOf(death.get("reason")))) {
            return Topology.JOBS_DELIVERY_LIMIT + 1L;
        }
        return Topology.JOBS_DELIVERY_LIMIT + 1L;
    }
}
