package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport.StepTiming;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepClockTest {

    private static final long MS = 1_000_000;

    private final AtomicLong now = new AtomicLong(5 * MS);
    private final StepClock clock = new StepClock(now::get);

    @Test
    void eachStepLastsFromThePreviousLapUntilItsOwn() {
        now.addAndGet(3 * MS);
        clock.lap("read");
        now.addAndGet(10 * MS);
        clock.lap("compress+write");
        now.addAndGet(7 * MS);
        clock.lap("evaluate");

        assertThat(clock.timings()).containsExactly(new StepTiming("read", 3), new StepTiming("compress+write", 10),
                new StepTiming("evaluate", 7));
    }

    @Test
    void aStepCountedApartIsTakenOutOfTheStepsItRanInAndReportedWhereCountingBegan() {
        AtomicLong calibrating = new AtomicLong(2 * MS); // already ran 2 ms while it was planned
        now.addAndGet(1 * MS);
        clock.lap("read");
        clock.countApart("calibrate", calibrating::get);
        now.addAndGet(9 * MS);
        calibrating.addAndGet(4 * MS);
        clock.lap("head precision");
        now.addAndGet(20 * MS);
        calibrating.addAndGet(6 * MS);
        clock.lap("compress+write");
        clock.endApart();
        now.addAndGet(5 * MS);
        calibrating.addAndGet(100 * MS); // no longer counted apart: the evaluation keeps all its time
        clock.lap("evaluate");

        assertThat(clock.timings()).containsExactly(new StepTiming("read", 1), new StepTiming("calibrate", 12),
                new StepTiming("head precision", 5), new StepTiming("compress+write", 14), new StepTiming("evaluate", 5));
    }

    @Test
    void countingApartIsOneStepAtATime() {
        clock.countApart("calibrate", () -> 0);
        assertThatThrownBy(() -> clock.countApart("other", () -> 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("calibrate");
        clock.endApart();
        assertThatThrownBy(clock::endApart).isInstanceOf(IllegalStateException.class);
    }
}
