package com.modelpress.worker;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a worker runs jobs ({@code modelpress.worker.*}).
 *
 * @param workDir            where each attempt gets a fresh folder, deleted when the attempt ends; default
 *                           {@code ${java.io.tmpdir}/modelpress-worker}
 * @param concurrency        jobs this process runs at once (one consumer, prefetch 1, each)
 * @param heartbeatInterval  time between heartbeat events while a job runs
 * @param progressInterval   least time between two progress events of one step (its first and last always go)
 * @param confirmTimeout     how long to wait for the broker to confirm a published event
 * @param jobTimeout         the longest a job may hold its message; sent as the {@code x-consumer-timeout}
 *                           consumer argument so the broker does not cancel the consumer of a long job
 * @param evaluationSamples  evaluation samples when the request names none
 * @param maxEvaluationSamples the most samples a request may ask for
 * @param latencyRuns        timed runs per model for the latency figures (0: not measured)
 * @param maxArchiveBytes    the most bytes an uploaded archive may extract to
 * @param maxArchiveEntries  the most entries an uploaded archive may hold
 * @param maxArchiveRatio    the most extracted bytes per archive byte (zip-bomb guard)
 * @param cancelMemory       how long a cancelled job id is remembered
 * @param cancelMemorySize   how many cancelled job ids are remembered at most
 * @param autoBudget         how long an {@code auto} job may search
 * @param shutdownGracePeriod on SIGTERM, how long a running job may take to finish; when it has not finished by then
 *                           its delivery is released unacknowledged and RabbitMQ hands the job to another worker
 */
@ConfigurationProperties("modelpress.worker")
public record WorkerProperties(
        Path workDir,
        @DefaultValue("1") int concurrency,
        @DefaultValue("15s") Duration heartbeatInterval,
        @DefaultValue("2s") Duration progressInterval,
        @DefaultValue("30s") Duration confirmTimeout,
        @DefaultValue("6h") Duration jobTimeout,
        @DefaultValue("8") int evaluationSamples,
        @DefaultValue("256") int maxEvaluationSamples,
        @DefaultValue("20") int latencyRuns,
        @DefaultValue("8GB") DataSize maxArchiveBytes,
        @DefaultValue("1000") int maxArchiveEntries,
        @DefaultValue("100") int maxArchiveRatio,
        @DefaultValue("24h") Duration cancelMemory,
        @DefaultValue("10000") int cancelMemorySize,
        @DefaultValue("10m") Duration autoBudget,
        @DefaultValue("30s") Duration shutdownGracePeriod) {

    public WorkerProperties {
        workDir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "modelpress-worker");
        require(concurrency >= 1, "concurrency must be at least 1, was " + concurrency);
        require(evaluationSamples >= 1, "evaluation-samples must be at least 1, was " + evaluationSamples);
        require(maxEvaluationSamples >= evaluationSamples, "max-evaluation-samples must be at least evaluation-samples");
        require(latencyRuns >= 0, "latency-runs must not be negative, was " + latencyRuns);
        require(maxArchiveEntries >= 1 && maxArchiveRatio >= 1, "archive limits must be positive");
        require(heartbeatInterval.isPositive() && progressInterval.isPositive() && confirmTimeout.isPositive()
                && jobTimeout.isPositive() && cancelMemory.isPositive() && autoBudget.isPositive(), "durations must be positive");
        require(!shutdownGracePeriod.isNegative(), "shutdown-grace-period must not be negative, was " + shutdownGracePeriod);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
