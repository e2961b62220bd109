package com.modelpress.engine;

import java.time.Duration;
import java.util.Locale;

/**
 * What bounds an {@code auto} search: a number of model evaluations, which makes the search deterministic (the same
 * inputs evaluate the same candidates in the same order on any machine), and optionally a wall-clock limit that may
 * only stop it earlier, in which case {@link #stoppedEarly()} says so and the result may differ from an unhurried run.
 *
 * <p>Not thread-safe; one instance per search.
 */
final class SearchBudget {

    private final int maxEvaluations;
    private final Duration timeLimit;
    private final long deadline;
    private int evaluations;
    private String stoppedEarly;

    /** @param timeLimit nullable: no wall-clock limit */
    SearchBudget(int maxEvaluations, Duration timeLimit) {
        this.maxEvaluations = maxEvaluations;
        this.timeLimit = timeLimit;
        this.deadline = timeLimit == null ? Long.MAX_VALUE : System.nanoTime() + timeLimit.toNanos();
    }

    /** Counts {@code count} evaluations run. */
    void spend(int count) {
        evaluations += count;
    }

    /** True when {@code count} more evaluations fit in the budget (the clock not consulted). */
    boolean allows(int count) {
        return evaluations + count <= maxEvaluations;
    }

    /**
     * True when no further evaluation may run: the count is used up, or the wall-clock limit has passed (which is
     * then remembered as {@link #stoppedEarly()}).
     */
    boolean exhausted() {
        if (evaluations >= maxEvaluations) {
            return true;
        }
        if (stoppedEarly == null && System.nanoTime() > deadline) {
            stoppedEarly = String.format(Locale.ROOT, "the time limit of %s ran out after %d of at most %d evaluations",
                    timeLimit, evaluations, maxEvaluations);
        }
        return stoppedEarly != null;
    }

    int evaluations() {
        return evaluations;
    }

    int maxEvaluations() {
        return maxEvaluations;
    }

    /** Nullable: why the clock stopped the search before its evaluations were used up. */
    String stoppedEarly() {
        return stoppedEarly;
    }

    /** Which limit was reached, for the search's trace. */
    String describe() {
        return stoppedEarly != null ? stoppedEarly
                : "the budget of %d evaluations is used up".formatted(maxEvaluations);
    }
}
