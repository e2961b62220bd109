package com.modelpress.api.job;

/** An owner already has as many queued or running jobs as {@code modelpress.api.limits.max-active-jobs-per-owner} allows. */
public final class ActiveJobLimitException extends RuntimeException {

    ActiveJobLimitException(String owner, long active, int limit) {
        super(("Owner '%s' has %d jobs queued or running; at most %d are allowed at once "
                + "(modelpress.api.limits.max-active-jobs-per-owner). Wait for one to finish, or cancel one")
                .formatted(owner, active, limit));
    }
}
