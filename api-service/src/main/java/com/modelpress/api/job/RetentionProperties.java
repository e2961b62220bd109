package com.modelpress.api.job;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How long finished jobs are kept ({@code modelpress.api.retention.*}).
 *
 * @param finishedJobTtl nullable: a job that ended longer ago than this is deleted with its objects (its input, its
 *                       artifacts, everything under {@code jobs/<id>/}) by the sweeper; null (the default) keeps jobs
 *                       until {@code DELETE /api/v1/jobs/{id}}
 * @param sweepInterval  time between two passes of the sweeper; each pass also finishes deletions a storage outage
 *                       interrupted
 * @param sweepBatch     jobs one pass deletes at most
 */
@ConfigurationProperties("modelpress.api.retention")
record RetentionProperties(Duration finishedJobTtl, @DefaultValue("10m") Duration sweepInterval,
                           @DefaultValue("100") int sweepBatch) {

    RetentionProperties {
        if (finishedJobTtl != null && !finishedJobTtl.isPositive()) {
            throw new IllegalArgumentException("modelpress.api.retention.finished-job-ttl must be positive (or unset), was "
                    + finishedJobTtl);
        }
        if (!sweepInterval.isPositive() || sweepBatch < 1) {
            throw new IllegalArgumentException("modelpress.api.retention.sweep-interval and sweep-batch must be positive");
        }
    }
}
