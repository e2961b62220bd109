package com.modelpress.api.security;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Token buckets by name, in this process's memory: each API instance limits on its own, so N instances behind a
 * load balancer allow up to N times the rate. A bucket starts full with {@code burst} tokens and refills at
 * {@code perSecond}; each request takes one. Thread-safe.
 */
final class RateLimiter {

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param nanoClock monotonic nanoseconds, {@link System#nanoTime} outside tests */
    RateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
    }

    /**
     * Takes a token from {@code name}'s bucket.
     *
     * @return {@link Duration#ZERO} when the request may go ahead, otherwise how long until a token is available
     */
    Duration acquire(String name) {
        long now = nanoClock.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(name, _ -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.refill(now, perSecond, burst);
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return Duration.ZERO;
            }
            double missing = 1 - bucket.tokens;
            return Duration.ofNanos((long) Math.ceil(missing / perSecond * 1e9));
        }
    }

    /** Forgets buckets that have refilled completely: they behave exactly like a new one. */
    void evictFull() {
        long now = nanoClock.getAsLong();
        buckets.entrySet().removeIf(entry -> {
            Bucket bucket = entry.getValue();
            synchronized (bucket) {
                bucket.refill(now, perSecond, burst);
                return bucket.tokens >= burst;
            }
        });
    }

    int size() {
        return buckets.size();
    }

    /** Not thread-safe on its own: guarded by its monitor. */
    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        void refill(long now, double perSecond, double burst) {
            if (now > refilledAt) {
                tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
                refilledAt = now;
            }
        }
    }
}
