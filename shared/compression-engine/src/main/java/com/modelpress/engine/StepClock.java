package com.modelpress.engine;

import com.modelpress.contracts.FidelityReport.StepTiming;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The wall time of each pipeline step, in the order the steps ran: a step lasts from the end of the previous one until
 * it {@link #lap laps}. A step that runs inside later ones (calibration in groups, interleaved with the compression of
 * the weights that read it) is {@linkplain #countApart counted apart}: its time is taken out of those steps and reported
 * on its own, at the place where counting apart began.
 *
 * <p>Not thread-safe; one instance per compression.
 */
final class StepClock {

    private final LongSupplier nanoTime;
    private final List<StepTiming> timings = new ArrayList<>();
    private long start;
    private Apart apart;

    /** A step counted apart: its name, its own clock, its reading at the last lap, and where it is reported. */
    private static final class Apart {
        final String step;
        final LongSupplier nanos;
        final int at;
        long seen;

        Apart(String step, LongSupplier nanos, int at) {
            this.step = step;
            this.nanos = nanos;
            this.at = at;
            this.seen = nanos.getAsLong();
        }
    }

    /** Starts now. */
    StepClock() {
        this(System::nanoTime);
    }

    /** @param nanoTime a monotonic clock in nanoseconds, as {@link System#nanoTime()} */
    StepClock(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
    }

    /** Ends a step: it took from the end of the previous step until now, less what the step counted apart took meanwhile. */
    void lap(String step) {
        long now = nanoTime.getAsLong();
        long elsewhere = 0;
        if (apart != null) {
            long total = apart.nanos.getAsLong();
            elsewhere = total - apart.seen;
            apart.seen = total;
        }
        timings.add(new StepTiming(step, (now - start - elsewhere) / 1_000_000));
        start = now;
    }

    /**
     * From now on, {@code nanos} (the total nanoseconds {@code step} has run so far) grows inside the steps that follow:
     * each lap leaves that growth out, and {@link #endApart} reports {@code step} here, before them.
     *
     * @throws IllegalStateException when a step is already counted apart
     */
    void countApart(String step, LongSupplier nanos) {
        if (apart != null) {
            throw new IllegalStateException("step %s is already counted apart".formatted(apart.step));
        }
        apart = new Apart(step, nanos, timings.size());
    }

    /**
     * Reports the step counted apart, with its whole total, where counting apart began.
     *
     * @throws IllegalStateException when no step is counted apart
     */
    void endApart() {
        if (apart == null) {
            throw new IllegalStateException("no step is counted apart");
        }
        timings.add(apart.at, new StepTiming(apart.step, apart.nanos.getAsLong() / 1_000_000));
        apart = null;
    }

    /** The steps so far, in order; a copy. */
    List<StepTiming> timings() {
        return List.copyOf(timings);
    }
}
