/**
 * Where work comes in: the RabbitMQ topology both services declare, the job listener (manual acks,
 * prefetch 1) that hands each job to {@link com.modelpress.worker.attempt.JobRunner} and settles the message, and
 * the cancel listener on this worker's own queue bound to the cancel broadcast.
 */
package com.modelpress.worker.intake;
