package com.modelpress.worker.sandbox;

/**
 * The engine did not finish: it crashed, ran out of memory or out of time. The attempt fails with
 * {@link Kind#code()}; the worker itself is unharmed.
 */
public final class EngineFailureException extends Exception {

    /** How the engine failed, each with the stable error code of its {@code Failed} event. */
    public enum Kind {
        /** A native crash (a JVM error report was written), a signal, or an exit without a result. Retried. */
        CRASHED("worker_crashed"),
        /** The engine's heap (or the JVM's native memory) was exhausted. Retried. */
        OUT_OF_MEMORY("out_of_memory"),
        /** The attempt reached {@code max-job-duration}. Not retried. */
        TIMED_OUT("job_timeout");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;

    public EngineFailureException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
