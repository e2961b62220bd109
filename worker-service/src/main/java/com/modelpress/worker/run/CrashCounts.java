package com.modelpress.worker.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * How often this worker saw the engine crash (or run out of memory) on each job, for the few jobs it saw last.
 * The attempt number the broker counts is the main bound on crash retries; this count is the bound where the
 * broker counts nothing (the embedded broker of {@code modelpress serve} sets no {@code x-delivery-count}).
 *
 * <p>Thread-safe.
 */
final class CrashCounts {

    private final Map<UUID, Integer> counts;

    CrashCounts(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.counts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Integer> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Counts one more crash of the job. @return the job's crashes on this worker, this one included */
    synchronized int record(UUID jobId) {
        return counts.merge(jobId, 1, Integer::sum);
    }

    /** Forgets the job (it ended). */
    synchronized void forget(UUID jobId) {
        counts.remove(jobId);
    }
}
