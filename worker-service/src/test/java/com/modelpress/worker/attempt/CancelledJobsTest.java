package com.modelpress.worker.attempt;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class CancelledJobsTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }
    }

    private final ManualClock clock = new ManualClock();

    @Test
    void remembersACancelledJobUntilItExpires() {
        CancelledJobs cancelled = new CancelledJobs(Duration.ofHours(1), 10, clock);
        UUID job = UUID.randomUUID();
        cancelled.cancel(job);

        clock.advance(Duration.ofMinutes(59));
        assertThat(cancelled.isCancelled(job)).isTrue();
        assertThat(cancelled.isCancelled(UUID.randomUUID())).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(cancelled.isCancelled(job)).isFalse();
        assertThat(cancelled.size()).isZero();
    }

    @Test
    void forgetsTheOldestWhenFull() {
        CancelledJobs cancelled = new CancelledJobs(Duration.ofHours(1), 2, clock);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();
        cancelled.cancel(first);
        cancelled.cancel(second);
        cancelled.cancel(third);

        assertThat(cancelled.isCancelled(first)).isFalse();
        assertThat(cancelled.isCancelled(second)).isTrue();
        assertThat(cancelled.isCancelled(third)).isTrue();
    }

    @Test
    void aRepeatedCancelRenewsTheMemory() {
        CancelledJobs cancelled = new CancelledJobs(Duration.ofHours(1), 10, clock);
        UUID job = UUID.randomUUID();
        cancelled.cancel(job);
        clock.advance(Duration.ofMinutes(50));
        cancelled.cancel(job);
        clock.advance(Duration.ofMinutes(50));

        assertThat(cancelled.isCancelled(job)).isTrue();
    }
}
