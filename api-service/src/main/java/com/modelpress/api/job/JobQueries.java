package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import com.modelpress.contracts.FidelityReport;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Read side of jobs for the REST resource. A job the caller may not see is reported as missing, exactly like a job
 * that does not exist. Thread-safe.
 */
@Component
class JobQueries {

    private final JobRepository jobs;
    private final JobEventLog eventLog;
    private final JsonMapper json;

    JobQueries(JobRepository jobs, JobEventLog eventLog, JsonMapper json) {
        this.jobs = jobs;
        this.eventLog = eventLog;
        this.json = json;
    }

    @Transactional(readOnly = true)
    JobView get(UUID id, Caller caller) {
        return JobView.from(find(id, caller), json);
    }

    /**
     * What a page of jobs holds; every component nullable (no restriction).
     *
     * @param status    only jobs in this status
     * @param modelKind only jobs whose report recognised this kind of model
     * @param maxKlMean only decoder LMs whose prefill mean KL divergence is at most this
     * @param verdict   only jobs whose report's verdict is this ({@code lossless}, {@code close}, {@code degraded} or
     *                  {@code broken})
     */
    record Filter(JobStatus status, String modelKind, Double maxKlMean, String verdict) {}

    /** The caller's jobs that pass {@code filter}; an admin's page holds everybody's. */
    @Transactional(readOnly = true)
    JobPage page(Caller caller, Filter filter, PageCursor after, int limit) {
        Set<JobStatus> statuses = filter.status() == null ? EnumSet.allOf(JobStatus.class) : EnumSet.of(filter.status());
        List<CompressionJob> found = caller.admin()
                ? jobs.findPage(statuses, filter.modelKind(), filter.maxKlMean(), filter.verdict(), after.createdAt(),
                        after.id(), Limit.of(limit + 1))
                : jobs.findOwnerPage(caller.owner(), statuses, filter.modelKind(), filter.maxKlMean(), filter.verdict(),
                        after.createdAt(), after.id(), Limit.of(limit + 1));
        List<CompressionJob> page = found.subList(0, Math.min(limit, found.size()));
        String next = found.size() > limit
                ? new PageCursor(page.getLast().createdAt(), page.getLast().id()).encode()
                : null;
        return new JobPage(page.stream().map(job -> JobView.from(job, json)).toList(), next);
    }

    @Transactional(readOnly = true)
    List<JobEventView> events(UUID id, Caller caller) {
        find(id, caller);
        return eventLog.after(id, 0).stream().map(JobEventLog.Entry::event).toList();
    }

    /** @return the fidelity report, or empty while there is none */
    @Transactional(readOnly = true)
    Optional<FidelityReport> report(UUID id, Caller caller) {
        return Optional.ofNullable(find(id, caller).report()).map(report -> json.readValue(report, FidelityReport.class));
    }

    private CompressionJob find(UUID id, Caller caller) {
        return jobs.findByIdAndDeletedAtIsNull(id).filter(job -> caller.canSee(job.owner()))
                .orElseThrow(() -> new JobNotFoundException(id));
    }
}
