package com.modelpress.api.webhook;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RetryScheduleTest {

    private static final WebhookProperties.Retry DEFAULTS =
            new WebhookProperties.Retry(Duration.ofSeconds(5), 4, Duration.ofHours(10), 10, 0.2);

    @Test
    void theDefaultScheduleRunsFromSecondsToTenHoursOverADay() {
        var nominal = new RetrySchedule(DEFAULTS, () -> 0.5).nominal();

        assertThat(nominal).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(80),
                Duration.ofSeconds(320), Duration.ofSeconds(1280), Duration.ofSeconds(5120), Duration.ofSeconds(20480),
                Duration.ofHours(10), Duration.ofHours(10));
        Duration total = nominal.stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(total).isBetween(Duration.ofHours(24), Duration.ofHours(30));
    }

    @Test
    void jitterSpreadsEachDelayWithinItsBounds() {
        assertThat(new RetrySchedule(DEFAULTS, () -> 0.0).next(2, null)).hasValue(Duration.ofSeconds(16));
        assertThat(new RetrySchedule(DEFAULTS, () -> 0.999_999).next(2, null).orElseThrow())
                .isBetween(Duration.ofMillis(23_999), Duration.ofSeconds(24));
    }

    @Test
    void givesUpAfterTheLastAttempt() {
        RetrySchedule schedule = new RetrySchedule(DEFAULTS, () -> 0.5);
        assertThat(schedule.next(9, null)).isPresent();
        assertThat(schedule.next(10, null)).isEmpty();
    }

    @Test
    void aReceiversRetryAfterIsHonouredUpToTheLongestDelay() {
        RetrySchedule schedule = new RetrySchedule(DEFAULTS, () -> 0.5);
        assertThat(schedule.next(1, Duration.ofMinutes(2))).hasValue(Duration.ofMinutes(2));
        assertThat(schedule.next(1, Duration.ofSeconds(1))).as("shorter than the schedule").hasValue(Duration.ofSeconds(5));
        assertThat(schedule.next(1, Duration.ofDays(3))).hasValue(Duration.ofHours(10));
    }
}
