package com.modelpress.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Polling helpers for the fault scenarios: they wait on observable state, never on fixed sleeps alone. */
final class Pause {

    private Pause() {
    }

    static void of(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Polls {@code condition} every 200 ms.
     *
     * @throws AssertionError naming {@code what} when it does not hold within {@code timeout}
     */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            of(Duration.ofMillis(200));
        }
    }
}
