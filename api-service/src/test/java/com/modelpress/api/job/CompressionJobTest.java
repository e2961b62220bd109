package com.modelpress.api.job;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionJobTest {

    private final CompressionJob job = new CompressionJob(UUID.randomUUID(), "alice", "int4", "{}", "{}", null,
            "h".repeat(64), "jobs/x/input/m.onnx", "m.onnx", "s".repeat(64), 10, null, null, null);

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
                "h".repeat(64), "k", "m.onnx", "s".repeat(64), 1, null, null, null);
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
        assertThat(job.markAttemptFailed("worker_crashed", "exit 137", 3)).isTrue();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.errorCode()).isEqualTo("worker_crashed");
        assertThatThrownBy(() -> job.markRunning(1)).isInstanceOf(IllegalJobTransitionException.class);
        job.markRunning(2);
        job.markSucceeded("{}", null);
        assertThat(job.errorCode()).isNull();
    }

    @Test
    void retryableFailureOfTheLastAttemptFailsTheJob() {
        for (int attempt = 1; attempt < 3; attempt++) {
            job.markRunning(attempt);
            assertThat(job.markAttemptFailed("internal_error", "disk full", 3)).as("attempt %d", attempt).isTrue();
        }
        job.markRunning(3);

        assertThat(job.markAttemptFailed("internal_error", "disk full", 3)).isFalse();

        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorCode()).isEqualTo("internal_error");
        assertThat(job.errorMessage()).isEqualTo("disk full (attempt 3 of 3: giving up)");
        assertThat(job.finishedAt()).isNotNull();
    }

    @Test
    void lostWorkerOnTheLastAttemptIsAPoisonMessage() {
        job.markRunning(2);

        assertThat(job.markAttemptFailed("worker_lost", "attempt 2 stopped without a result", 2)).isFalse();

        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorCode()).isEqualTo("poison_message");
        assertThat(job.errorMessage()).startsWith("attempt 2 stopped without a result").endsWith("(attempt 2 of 2: giving up)");
    }

    @Test
    void aQueuedJobCannotFailAnAttemptAgain() {
        job.markRunning(1);
        job.markAttemptFailed("worker_lost", "lost", 5);

        assertThatThrownBy(() -> job.markAttemptFailed("worker_lost", "lost", 5))
                .isInstanceOf(IllegalJobTransitionException.class);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    }
}
