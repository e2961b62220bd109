package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.util.UUID;

/** Lets other features check that a job exists, and that a caller may see it, without seeing the entity. Thread-safe. */
@Component
public class JobLookup {

    private final JobRepository jobs;

    JobLookup(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** @throws JobNotFoundException when there is no such job, or the caller may not see it (the same answer) */
    @Transactional(readOnly = true)
    public void requireVisible(UUID jobId, Caller caller) {
        if (jobs.findByIdAndDeletedAtIsNull(jobId).filter(job -> caller.canSee(job.owner())).isEmpty()) {
            throw new JobNotFoundException(jobId);
        }
    }
}
