package com.modelpress.worker;

import com.modelpress.contracts.job.Topology;
import com.modelpress.engine.evaluation.ExecutionProviderRequest;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * @param maxArchiveNameLength the most characters of one archive entry's name (its path inside the archive)
 * @param maxArchiveHeaderBytes the most bytes of one archive entry's metadata (a tar's long-name or pax record, a
 *                           zip's central directory record): the only part of an archive read into memory
 * @param cancelMemory       how long a cancelled job id is remembered
 * @param cancelMemorySize   how many cancelled job ids are remembered at most
 * @param autoBudget         how long an {@code auto} job may search
 * @param executionProvider  {@code auto} (CUDA when ONNX Runtime has it and an NVIDIA device is present, else
 *                           CPU with the reason logged), {@code cpu}, or {@code cuda} (startup fails without it)
 * @param maxJobDuration     the longest one attempt may take from its start; the engine's child JVM is killed then
 *                           and the job fails with {@code job_timeout} (not retried). Must be shorter than
 *                           {@code jobTimeout}
 * @param maxCrashAttempts   attempts at a job whose engine crashed or ran out of memory before it fails for good
 *                           (1 to {@link Topology#JOB_ATTEMPT_LIMIT}, the attempts the API allows a job)
 * @param sandbox            how the engine's child JVM is started
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
        @DefaultValue("1024") int maxArchiveNameLength,
        @DefaultValue("64KB") DataSize maxArchiveHeaderBytes,
        @DefaultValue("24h") Duration cancelMemory,
        @DefaultValue("10000") int cancelMemorySize,
        @DefaultValue("10m") Duration autoBudget,
        @DefaultValue("auto") ExecutionProviderRequest executionProvider,
        @DefaultValue("2h") Duration maxJobDuration,
        @DefaultValue("3") int maxCrashAttempts,
        @DefaultValue Sandbox sandbox,
        @DefaultValue("30s") Duration shutdownGracePeriod) {

    public WorkerProperties {
        workDir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "modelpress-worker");
        require(concurrency >= 1, "concurrency must be at least 1, was " + concurrency);
        require(evaluationSamples >= 1, "evaluation-samples must be at least 1, was " + evaluationSamples);
        require(maxEvaluationSamples >= evaluationSamples, "max-evaluation-samples must be at least evaluation-samples");
        require(latencyRuns >= 0, "latency-runs must not be negative, was " + latencyRuns);
        require(maxArchiveEntries >= 1 && maxArchiveRatio >= 1 && maxArchiveNameLength >= 1,
                "archive limits must be positive");
        require(maxArchiveHeaderBytes.toBytes() >= 512 && maxArchiveHeaderBytes.toBytes() <= 16L << 20,
                "max-archive-header-bytes must be between 512B and 16MB, was " + maxArchiveHeaderBytes);
        require(heartbeatInterval.isPositive() && progressInterval.isPositive() && confirmTimeout.isPositive()
                && jobTimeout.isPositive() && cancelMemory.isPositive() && autoBudget.isPositive()
                && maxJobDuration.isPositive(), "durations must be positive");
        require(maxJobDuration.compareTo(jobTimeout) < 0, "max-job-duration (%s) must be shorter than job-timeout (%s), the broker's consumer timeout"
                .formatted(maxJobDuration, jobTimeout));
        require(maxCrashAttempts >= 1 && maxCrashAttempts <= Topology.JOB_ATTEMPT_LIMIT,
                "max-crash-attempts must be between 1 and %d (the attempts the API allows a job), was %d"
                        .formatted(Topology.JOB_ATTEMPT_LIMIT, maxCrashAttempts));
        require(!shutdownGracePeriod.isNegative(), "shutdown-grace-period must not be negative, was " + shutdownGracePeriod);
        sandbox = sandbox != null ? sandbox : new Sandbox(true, null, null, null);
    }

    /**
     * The engine's child JVM ({@code modelpress.worker.sandbox.*}).
     *
     * @param enabled     false runs the engine inside the worker's own JVM (no memory limit; a native crash then
     *                    takes the worker down; the time limit is only checked between engine steps)
     * @param maxHeap     the child's {@code -Xmx}, in JVM ({@code 512m}, {@code 2g}) or Spring ({@code 512MB},
     *                    {@code 2GB}) notation; default {@code 2g}
     * @param javaOptions further options for the child JVM, separated by whitespace (no quoting), e.g.
     *                    {@code -XX:+UseSerialGC -XX:MaxDirectMemorySize=1g}; default none
     * @param stopGrace   after a cancel or the time limit, how long the child may take to exit on SIGTERM before
     *                    it is killed; default 5s
     */
    public record Sandbox(@DefaultValue("true") boolean enabled, String maxHeap, String javaOptions, Duration stopGrace) {

        private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)b?",
                Pattern.CASE_INSENSITIVE);

        public Sandbox {
            maxHeap = maxHeap == null || maxHeap.isBlank() ? "2g" : maxHeap.strip();
            javaOptions = javaOptions == null ? "" : javaOptions.strip();
            stopGrace = stopGrace == null ? Duration.ofSeconds(5) : stopGrace;
            require(heapBytes(maxHeap) >= 8L << 20, "sandbox.max-heap must be at least 8m, was " + maxHeap);
            require(!stopGrace.isNegative(), "sandbox.stop-grace must not be negative, was " + stopGrace);
        }

        /** {@link #maxHeap()} in bytes. */
        public long maxHeapBytes() {
            return heapBytes(maxHeap);
        }

        /** {@link #javaOptions()} split at whitespace. */
        public List<String> javaOptionList() {
            return javaOptions.isEmpty() ? List.of() : List.of(javaOptions.split("\\s+"));
        }

        private static long heapBytes(String size) {
            Matcher matcher = SIZE.matcher(size);
            require(matcher.matches(), "sandbox.max-heap must look like 512m, 2g or 2GB, was '%s'".formatted(size));
            int shift = switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 0;
            };
            try {
                return Math.multiplyExact(Long.parseLong(matcher.group(1)), 1L << shift);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("sandbox.max-heap is too large: " + size, e);
            }
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
