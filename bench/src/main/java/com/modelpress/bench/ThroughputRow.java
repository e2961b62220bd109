package com.modelpress.bench;

/**
 * How fast one operation processes a model file.
 *
 * @param operation   what was timed, e.g. {@code int4} or {@code Files.copy}
 * @param bytes       bytes processed per run: fp32 weight bytes for compression, file bytes for plain I/O
 * @param bestSeconds the fastest of the timed runs, in seconds
 * @param runs        number of timed runs
 */
record ThroughputRow(String operation, long bytes, double bestSeconds, int runs) {

    /** Something to time; may do I/O. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action} {@code runs} times and keeps the fastest.
     *
     * @param runs at least 1
     */
    static ThroughputRow bestOf(String operation, long bytes, int runs, Action action) throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1, was " + runs);
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            action.run();
            best = Math.min(best, System.nanoTime() - start);
        }
        return new ThroughputRow(operation, bytes, best / 1e9, runs);
    }

    /** @return decimal megabytes (10^6 bytes) per second */
    double megabytesPerSecond() {
        return bytes / 1e6 / bestSeconds;
    }
}
