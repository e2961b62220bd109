package com.modelpress.worker.events;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressThrottleTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final ProgressThrottle throttle = new ProgressThrottle(Duration.ofSeconds(2));

    private static Instant at(long millis) {
        return T0.plusMillis(millis);
    }

    private static ProgressThrottle.Update update(String step, double fraction) {
        return new ProgressThrottle.Update(step, fraction);
    }

    @Test
    void sendsTheFirstUpdateOfAStepAndAtMostOnePerInterval() {
        assertThat(throttle.offer("compress", 0.0, at(0))).containsExactly(update("compress", 0.0));
        assertThat(throttle.offer("compress", 0.1, at(500))).isEmpty();
        assertThat(throttle.offer("compress", 0.2, at(1999))).isEmpty();
        assertThat(throttle.offer("compress", 0.3, at(2000))).containsExactly(update("compress", 0.3));
        assertThat(throttle.offer("compress", 0.4, at(3000))).isEmpty();
        assertThat(throttle.offer("compress", 0.5, at(4000))).containsExactly(update("compress", 0.5));
    }

    @Test
    void alwaysSendsTheLastUpdateOfAStep() {
        throttle.offer("evaluate", 0.0, at(0));
        assertThat(throttle.offer("evaluate", 1.0, at(10))).containsExactly(update("evaluate", 1.0));
        assertThat(throttle.offer("evaluate", 1.0, at(20))).as("a repeat of what was sent").isEmpty();
    }

    @Test
    void flushesTheHeldBackUpdateWhenTheNextStepStarts() {
        throttle.offer("compress", 0.0, at(0));
        throttle.offer("compress", 0.7, at(100));
        assertThat(throttle.offer("write", 0.0, at(200)))
                .containsExactly(update("compress", 0.7), update("write", 0.0));
    }

    @Test
    void flushReturnsTheHeldBackUpdateOnce() {
        throttle.offer("upload", 0.0, at(0));
        throttle.offer("upload", 0.5, at(100));
        assertThat(throttle.flush()).contains(update("upload", 0.5));
        assertThat(throttle.flush()).isEmpty();
    }

    @Test
    void clampsFractionsIntoTheUnitInterval() {
        assertThat(throttle.offer("read", -0.5, at(0))).containsExactly(update("read", 0.0));
        assertThat(throttle.offer("read", 1.5, at(1))).containsExactly(update("read", 1.0));
    }
}
