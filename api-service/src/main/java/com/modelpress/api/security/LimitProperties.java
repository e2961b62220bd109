package com.modelpress.api.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on what a user key may do; admin keys (and the operator's admin key) are exempt. The upload size limit is
 * {@code modelpress.api.max-upload-size}.
 *
 * @param maxActiveJobsPerOwner    jobs an owner may have queued, running, evaluating or cancelling at once; a submit
 *                                 beyond it is refused with 429 {@code too_many_active_jobs}
 * @param requestsPerSecond        steady rate of {@code /api/**} requests per user key (token bucket refill)
 * @param requestBurst             requests a user key may make at once after a quiet period (bucket size)
 * @param unauthenticatedPerSecond steady rate, per client address, of requests with a missing or invalid key
 * @param unauthenticatedBurst     bucket size of the same
 */
@ConfigurationProperties("modelpress.api.limits")
public record LimitProperties(
        @DefaultValue("10") int maxActiveJobsPerOwner,
        @DefaultValue("20") double requestsPerSecond,
        @DefaultValue("100") int requestBurst,
        @DefaultValue("5") double unauthenticatedPerSecond,
        @DefaultValue("50") int unauthenticatedBurst) {

    public LimitProperties {
        require(maxActiveJobsPerOwner >= 1, "max-active-jobs-per-owner", maxActiveJobsPerOwner);
        require(requestsPerSecond > 0, "requests-per-second", requestsPerSecond);
        require(requestBurst >= 1, "request-burst", requestBurst);
        require(unauthenticatedPerSecond > 0, "unauthenticated-per-second", unauthenticatedPerSecond);
        require(unauthenticatedBurst >= 1, "unauthenticated-burst", unauthenticatedBurst);
    }

    private static void require(boolean holds, String name, Object value) {
        if (!holds) {
            throw new IllegalArgumentException("modelpress.api.limits.%s must be positive, not %s".formatted(name, value));
        }
    }
}
