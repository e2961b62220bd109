package com.modelpress.api.job;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.util.UUID;

/** Lets other features check that a job exists without seeing the entity. Thread-safe. */
@Component
public class JobLookup {

    private final JobRepository jobs;

    JobLookup(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** @throws JobNotFoundException when there is no such job */
    @Transactional(readOnly = true)
    public void requireExists(UUID jobId) {
        if (!jobs.existsById(jobId)) {
            throw new JobNotFoundException(jobId);
        }
    }
}
