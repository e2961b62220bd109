package com.modelpress.worker.run;

/** What becomes of the job message once an attempt is over. */
public enum Disposition {
    /** The job reached a terminal event the broker confirmed: remove the message. */
    ACK,
    /** Try again: the attempt failed in a way another attempt may not, or its terminal event was not confirmed. */
    REQUEUE,
    /** Give up: the message goes to the dead-letter queue. */
    DEAD_LETTER
}
