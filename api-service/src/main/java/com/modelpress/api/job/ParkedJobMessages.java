package com.modelpress.api.job;

import com.modelpress.api.outbox.OutboxKind;
import com.modelpress.api.outbox.OutboxRowParked;
import com.modelpress.contracts.job.JobMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job whose message the outbox parked will never reach a worker: it fails with {@value #UNPUBLISHABLE} in the
 * relay's transaction, instead of staying queued forever. Thread-safe.
 */
@Component
class ParkedJobMessages {

    static final String UNPUBLISHABLE = "unpublishable";
    private static final Logger log = LoggerFactory.getLogger(ParkedJobMessages.class);

    private final JobRepository jobs;
    private final JsonMapper json;

    ParkedJobMessages(JobRepository jobs, JsonMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    @EventListener
    void onParked(OutboxRowParked parked) {
        if (parked.kind() != OutboxKind.JOB) {
            return;
        }
        JobMessage message;
        try {
            message = json.readValue(parked.payload(), JobMessage.class);
        } catch (JacksonException e) {
            log.warn("parked outbox row {} is not a job message: {}", parked.rowId(), e.getOriginalMessage());
            return;
        }
        if (message == null || message.jobId() == null) {
            return;
        }
        jobs.findById(message.jobId()).filter(job -> !job.status().isTerminal()).ifPresent(job -> {
            job.markFailed(UNPUBLISHABLE, "the job's message could not be handed to the workers (%s)"
                    .formatted(parked.reason()));
            jobs.flush();
            log.warn("job {} failed: its message was parked in the outbox", job.id());
        });
    }
}
