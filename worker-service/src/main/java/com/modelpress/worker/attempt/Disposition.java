package com.modelpress.worker.attempt;

/** What becomes of the job message once an attempt is over. */
public enum Disposition {
    /**
     * The attempt reached a terminal event the broker confirmed (a retryable failure too: the API publishes the next
     * attempt): remove the message.
     */
    ACK,
    /**
     * The attempt's terminal event was not confirmed: return the message. Its redelivery is reported as a lost attempt
     * ({@link JobRunner#abandoned}), never run again under the same attempt number.
     */
    REQUEUE,
    /** Give up: the message goes to the dead-letter queue. */
    DEAD_LETTER
}
