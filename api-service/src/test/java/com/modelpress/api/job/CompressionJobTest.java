package com.modelpress.api.job;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionJobTest {

    private final CompressionJob job = new CompressionJob(UUID.randomUUID(), "alice", "int4", "{}", "{}", null,
            "h".repeat(64), "jobs/x/input/m.onnx", "m.onnx", "s".repeat(64), 10);

    @Test
    void runsThroughEvaluationToSuccessStampingEachState() {
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.queuedAt()).isNotNull();
        job.markRunning(1);
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.startedAt()).isNotNull();
        job.markEvaluating();
        assertThat(job.evaluatingAt()).isNotNull();
        job.markSucceeded("{\"method\":\"int4\"}", null);
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.report()).isEqualTo("{\"method\":\"int4\"}");
        assertThat(job.finishedAt()).isNotNull();
    }

    @Test
    void terminalStatesAreFinal() {
        job.markRunning(1);
        job.markFailed("invalid_model", "not ONNX");
        assertThatThrownBy(() -> job.markRunning(2)).isInstanceOf(IllegalJobTransitionException.class)
                .hasMessage("Job %s cannot start attempt 2 from FAILED", job.id());
        assertThatThrownBy(job::markCancelled).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(job::requestCancel).hasMessageContaining("cannot be cancelled from FAILED");
        assertThatThrownBy(() -> job.markSucceeded("{}", null)).hasMessageContaining("cannot succeed from FAILED");
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorCode()).isEqualTo("invalid_model");
    }

    @Test
    void queuedJobIsCancelledAtOnceRunningJobOnlyAfterItsWorkerStops() {
        assertThat(job.requestCancel()).isTrue();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.requestCancel()).isTrue();

        CompressionJob running = new CompressionJob(UUID.randomUUID(), "alice", "fp16", "{}", "{}", null,
                "h".repeat(64), "k", "m.onnx", "s".repeat(64), 1);
        running.markRunning(1);
        assertThat(running.requestCancel()).isFalse();
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLING);
        assertThat(running.cancelRequestedAt()).isNotNull();
        assertThat(running.requestCancel()).isFalse();
        running.markCancelled();
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void evaluationOnlyFromRunningAndStartOnlyForANewAttempt() {
        assertThatThrownBy(job::markEvaluating).hasMessage("Job %s cannot start evaluating from QUEUED", job.id());
        job.markRunning(1);
        assertThatThrownBy(() -> job.markRunning(1)).hasMessageContaining("cannot start attempt 1 from RUNNING");
        job.markRunning(2);
        assertThat(job.attempt()).isEqualTo(2);
    }

    @Test
    void retryableFailureQueuesTheJobAgainWithTheReason() {
        job.markRunning(1);
        job.markAttemptFailed("worker_crashed", "exit 137");
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.errorCode()).isEqualTo("worker_crashed");
        assertThatThrownBy(() -> job.markRunning(1)).isInstanceOf(IllegalJobTransitionException.class);
        job.markRunning(2);
        job.markSucceeded("{}", null);
        assertThat(job.errorCode()).isNull();
    }
}
