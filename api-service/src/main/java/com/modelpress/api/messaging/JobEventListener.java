package com.modelpress.api.messaging;

import com.modelpress.api.artifact.ArtifactCatalog;
import com.modelpress.api.job.JobEventIntake;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.Topology;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpRejectAndDontRequeueException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Applies workers' events. The message is acknowledged after the transaction commits (auto ack after the
 * listener returns); a duplicate is acknowledged without effect; an optimistic-lock conflict is retried in a
 * fresh transaction; a database outage requeues the event. An unparseable event, or one that fails for any
 * other reason, is rejected without requeue, so it never loops.
 */
@Component
class JobEventListener {

    private static final Logger log = LoggerFactory.getLogger(JobEventListener.class);
    private static final int ATTEMPTS = 5;

    private final JobEventIntake intake;
    private final ArtifactCatalog artifacts;
    private final TransactionTemplate transactions;
    private final JsonMapper json;

    private final MeterRegistry meters;

    JobEventListener(JobEventIntake intake, ArtifactCatalog artifacts, TransactionTemplate transactions, JsonMapper json,
                     MeterRegistry meters) {
        this.intake = intake;
        this.artifacts = artifacts;
        this.transactions = transactions;
        this.json = json;
        this.meters = meters;
    }

    @RabbitListener(queues = Topology.EVENTS_QUEUE, id = "job-events")
    void onEvent(Message message) {
        JobEvent event = parse(message);
        for (int attempt = 1; ; attempt++) {
            try {
                JobEventIntake.Outcome outcome = transactions.execute(status -> {
                    JobEventIntake.Outcome result = intake.apply(event);
                    if (result == JobEventIntake.Outcome.APPLIED && event instanceof JobEvent.Succeeded succeeded) {
                        artifacts.record(succeeded.jobId(), succeeded.attempt(), succeeded.artifacts());
                    }
                    return result;
                });
                meters.counter("modelpress.job.events", "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                        .increment();
                log.debug("event {} of job {} attempt {} #{}: {}", event.getClass().getSimpleName(), event.jobId(),
                        event.attempt(), event.sequence(), outcome);
                return;
            } catch (ObjectOptimisticLockingFailureException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            } catch (TransientDataAccessException | RecoverableDataAccessException | CannotCreateTransactionException
                     | DataAccessResourceFailureException | java.io.UncheckedIOException e) {
                throw e; // the database or the artifact store is briefly away: requeue and try again
            } catch (RuntimeException e) {
                // the same event would fail the same way forever: never requeue it
                log.error("event {} of job {} attempt {} #{} cannot be applied and is dropped",
                        event.getClass().getSimpleName(), event.jobId(), event.attempt(), event.sequence(), e);
                throw new AmqpRejectAndDontRequeueException("job event cannot be applied", e);
            }
        }
    }

    private JobEvent parse(Message message) {
        try {
            JobEvent event = json.readValue(message.getBody(), JobEvent.class);
            if (event == null || event.jobId() == null || event.at() == null) {
                throw new AmqpRejectAndDontRequeueException("job event without jobId or at");
            }
            return event;
        } catch (JacksonException e) {
            log.warn("unparseable job event rejected: {}", e.getOriginalMessage());
            throw new AmqpRejectAndDontRequeueException("unparseable job event", e);
        }
    }
}
