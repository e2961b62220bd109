package com.modelpress.contracts.job;

/**
 * Names of the RabbitMQ exchanges and queues. Both services declare what they use (declarations are
 * idempotent); these constants are the single source of the names.
 */
public final class Topology {

    /** Direct exchange the API's outbox relay publishes {@link JobMessage}s to. */
    public static final String JOBS_EXCHANGE = "modelpress.jobs";
    /** Durable quorum queue of jobs; manual acks, prefetch 1, a delivery limit, dead-lettered when exceeded. */
    public static final String JOBS_QUEUE = "modelpress.jobs";
    public static final String JOBS_ROUTING_KEY = "job";
    /** Where poison job messages go. */
    public static final String JOBS_DEAD_LETTER_EXCHANGE = "modelpress.jobs.dlx";
    public static final String JOBS_DEAD_LETTER_QUEUE = "modelpress.jobs.dead";
    /**
     * Returns of one job message to RabbitMQ's quorum queue before it is dead-lettered (its {@code delivery-limit}).
     * A backstop only: a worker that gets a redelivered job message reports the attempt lost and settles it, so that
     * the API counts the attempt (see {@link #JOB_ATTEMPT_LIMIT}); brokers without delivery limits (the embedded
     * one of {@code modelpress serve}) rely on that count alone.
     */
    public static final int JOBS_DELIVERY_LIMIT = 5;
    /**
     * Attempts at one job, counted by the API in the job's row in PostgreSQL: a retryable failure of this attempt (or
     * a later one) ends the job {@code FAILED}; an attempt whose worker was lost ends it with {@code poison_message}.
     */
    public static final int JOB_ATTEMPT_LIMIT = 5;

    /** Direct exchange workers publish {@link JobEvent}s to (with publisher confirms). */
    public static final String EVENTS_EXCHANGE = "modelpress.events";
    public static final String EVENTS_QUEUE = "modelpress.events";
    public static final String EVENTS_ROUTING_KEY = "event";

    /** Fanout exchange for {@link CancelMessage}s; each worker binds its own exclusive queue. */
    public static final String CANCEL_EXCHANGE = "modelpress.cancel";

    private Topology() {
    }
}
