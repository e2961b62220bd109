package com.modelpress.worker.attempt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The ids of jobs cancelled since this worker started, each remembered for a while and at most
 * {@code capacity} of them (the oldest are forgotten first).
 *
 * <p>Thread-safe.
 */
public final class CancelledJobs {

    private final Duration memory;
    private final int capacity;
    private final Clock clock;
    /** In order of cancellation: the first entries are the first to expire. */
    private final LinkedHashMap<UUID, Instant> cancelledAt = new LinkedHashMap<>();

    public CancelledJobs(Duration memory, int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.memory = memory;
        this.capacity = capacity;
        this.clock = clock;
    }

    public synchronized void cancel(UUID jobId) {
        Instant now = clock.instant();
        forgetExpired(now);
        cancelledAt.remove(jobId);
        cancelledAt.put(jobId, now);
        while (cancelledAt.size() > capacity) {
            cancelledAt.pollFirstEntry();
        }
    }

    public synchronized boolean isCancelled(UUID jobId) {
        forgetExpired(clock.instant());
        return cancelledAt.containsKey(jobId);
    }

    synchronized int size() {
        return cancelledAt.size();
    }

    private void forgetExpired(Instant now) {
        Instant oldestKept = now.minus(memory);
        for (Iterator<Map.Entry<UUID, Instant>> it = cancelledAt.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().isAfter(oldestKept)) {
                return;
            }
            it.remove();
        }
    }
}
