/**
 * How an attempt ends short of success that every stage may throw: the job rejected for good
 * ({@link com.modelpress.worker.failure.RejectedJobException} and its sealed set, each with the stable error code of
 * its {@code Failed} event) or cancelled while it ran ({@link com.modelpress.worker.failure.JobCancelledException}).
 * Depends on no other package of the worker.
 */
package com.modelpress.worker.failure;
