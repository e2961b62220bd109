package com.modelpress.api.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Server-Sent Events of a job: the events so far, then new ones as they arrive (polled from the log), until
 * the job is terminal. Each SSE event is named after the event type and has id {@code attempt-sequence}.
 */
@Component
class JobEventStream {

    private static final Logger log = LoggerFactory.getLogger(JobEventStream.class);

    private final JobEventLog eventLog;
    private final JobRepository jobs;
    private final TaskScheduler scheduler;
    private final ApiProperties properties;

    JobEventStream(JobEventLog eventLog, JobRepository jobs, TaskScheduler scheduler, ApiProperties properties) {
        this.eventLog = eventLog;
        this.jobs = jobs;
        this.scheduler = scheduler;
        this.properties = properties;
    }

    SseEmitter open(UUID jobId) {
        SseEmitter emitter = new SseEmitter(properties.eventStreamTimeout().toMillis());
        AtomicLong lastSent = new AtomicLong();
        AtomicReference<ScheduledFuture<?>> poll = new AtomicReference<>();
        Runnable stop = () -> {
            ScheduledFuture<?> future = poll.get();
            if (future != null) {
                future.cancel(false);
            }
        };
        emitter.onCompletion(stop);
        emitter.onTimeout(() -> {
            stop.run();
            emitter.complete();
        });
        emitter.onError(error -> stop.run());
        poll.set(scheduler.scheduleWithFixedDelay(() -> {
            try {
                // read the status first: events that arrive after it are picked up by the next poll
                boolean terminal = jobs.findById(jobId).map(job -> job.status().isTerminal()).orElse(true);
                for (JobEventLog.Entry entry : eventLog.after(jobId, lastSent.get())) {
                    JobEventView event = entry.event();
                    emitter.send(SseEmitter.event()
                            .id(event.attempt() + "-" + event.sequence())
                            .name(event.type())
                            .data(event, MediaType.APPLICATION_JSON));
                    lastSent.set(entry.receivedId());
                }
                if (terminal) {
                    stop.run();
                    emitter.complete();
                }
            } catch (IOException | IllegalStateException e) {
                log.debug("event stream of job {} closed: {}", jobId, e.toString());
                stop.run();
            } catch (RuntimeException e) {
                stop.run();
                emitter.completeWithError(e);
            }
        }, properties.eventPollInterval()));
        return emitter;
    }
}
