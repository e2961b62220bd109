package com.modelpress.worker.intake;

import com.modelpress.contracts.job.JobMessage;
import com.modelpress.worker.attempt.Disposition;
import com.modelpress.worker.attempt.JobRunner;
import com.rabbitmq.client.Channel;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareMessageListener;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Takes job messages one at a time (manual acks, prefetch 1) and settles each exactly once: acked after a
 * confirmed terminal event, requeued when that event was not confirmed, or rejected into the dead-letter queue. A
 * message that is not a job (not JSON, no job id) is dead-lettered without any event, since there is no job to report
 * on. A redelivered message (the broker's {@code redelivered} flag: an earlier consumer took it and never settled it)
 * is not run again but reported lost ({@link JobRunner#abandoned}), so that the API counts the attempt and publishes
 * the next; the attempt number is the message's own ({@link JobMessage#attempt()}), never a broker header. Nothing a
 * message brings can stop the listener. Each attempt runs in a {@code modelpress.worker.attempt} observation (a
 * span with the job id and attempt while tracing is on).
 */
class JobListener implements ChannelAwareMessageListener {

    private static final Logger log = LoggerFactory.getLogger(JobListener.class);
    static final String ATTEMPT_OBSERVATION = "modelpress.worker.attempt";
    static final String JOB_ID = "modelpress.job.id";

    private final JobRunner runner;
    private final JsonMapper json;
    private final ObservationRegistry observations;

    JobListener(JobRunner runner, JsonMapper json, ObservationRegistry observations) {
        this.runner = runner;
        this.json = json;
        this.observations = observations;
    }

    @Override
    public void onMessage(Message message, Channel channel) {
        long tag = message.getMessageProperties().getDeliveryTag();
        Disposition disposition;
        try {
            JobMessage job = parse(message);
            if (job == null) {
                disposition = Disposition.DEAD_LETTER;
            } else if (Boolean.TRUE.equals(message.getMessageProperties().getRedelivered())) {
                disposition = runner.abandoned(job, job.attempt());
            } else {
                disposition = run(job, job.attempt());
            }
        } catch (Throwable e) { // the listener boundary: nothing may take the worker down
            log.error("job message {} could not be handled; requeueing it", message.getMessageProperties().getMessageId(), e);
            disposition = Disposition.REQUEUE;
        }
        settle(channel, tag, disposition);
    }

    private Disposition run(JobMessage job, int attempt) {
        return Observation.createNotStarted(ATTEMPT_OBSERVATION, observations)
                .contextualName("job attempt")
                .lowCardinalityKeyValue("method", String.valueOf(job.request() == null ? null : job.request().method()))
                .highCardinalityKeyValue(JOB_ID, job.jobId().toString())
                .highCardinalityKeyValue("modelpress.job.attempt", Integer.toString(attempt))
                .observe(() -> runner.run(job, attempt));
    }

    /** @return the job, or null (logged) when the message is not one */
    private JobMessage parse(Message message) {
        try {
            JobMessage job = json.readValue(message.getBody(), JobMessage.class);
            if (job != null && job.jobId() != null) {
                return job;
            }
            log.warn("job message {} has no jobId; dead-lettering it", message.getMessageProperties().getMessageId());
        } catch (JacksonException e) {
            log.warn("job message {} is not a job: {}; dead-lettering it", message.getMessageProperties().getMessageId(),
                    e.getOriginalMessage());
        }
        return null;
    }

    private static void settle(Channel channel, long tag, Disposition disposition) {
        try {
            switch (disposition) {
                case ACK -> channel.basicAck(tag, false);
                case REQUEUE -> channel.basicNack(tag, false, true);
                case DEAD_LETTER -> channel.basicReject(tag, false);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // the channel is gone: the broker redelivers the unsettled message to another consumer
            log.warn("could not settle delivery {} as {}: {}", tag, disposition, e.toString());
        }
    }
}
