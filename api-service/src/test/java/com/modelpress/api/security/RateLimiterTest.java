package com.modelpress.api.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RateLimiter limiter = new RateLimiter(2, 3, now::get);

    @Test
    void aFullBucketAllowsTheBurstThenRefillsAtTheRate() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("k")).isZero();
        }
        assertThat(limiter.acquire("k")).isEqualTo(Duration.ofMillis(500));
        now.addAndGet(Duration.ofMillis(250).toNanos());
        assertThat(limiter.acquire("k")).isEqualTo(Duration.ofMillis(250));
        now.addAndGet(Duration.ofMillis(250).toNanos());
        assertThat(limiter.acquire("k")).isZero();
        assertThat(limiter.acquire("k")).isEqualTo(Duration.ofMillis(500));
        // other names have their own bucket
        assertThat(limiter.acquire("other")).isZero();
    }

    @Test
    void refillNeverExceedsTheBurstAndFullBucketsAreForgotten() {
        limiter.acquire("k");
        limiter.acquire("busy");
        limiter.acquire("busy");
        now.addAndGet(Duration.ofMillis(600).toNanos());
        limiter.evictFull();
        assertThat(limiter.size()).isEqualTo(1);
        now.addAndGet(Duration.ofHours(1).toNanos());
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("busy")).isZero();
        }
        assertThat(limiter.acquire("busy")).isPositive();
    }
}
