package com.modelpress.worker.sandbox;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.util.Optional;

/**
 * How the worker and the engine's child JVM talk. The worker writes the {@link EngineTask} as JSON to
 * {@value #REQUEST} in the attempt's scratch folder and starts the child with that file's path as its only
 * argument. The child prints progress on stdout, one line per update: {@value #PROGRESS_PREFIX} and a JSON
 * {@link Progress}; any other stdout line (the JVM's own messages) is console output. It writes its
 * {@link ChildOutcome} to {@value #OUTCOME} (atomically) and exits with {@link #EXIT_SUCCEEDED},
 * {@link #EXIT_FAILED}, {@link #EXIT_REJECTED} or {@link #EXIT_OUT_OF_MEMORY}. The child's stdin stays open while
 * the worker lives; end of input tells the child its worker is gone, and it halts with {@link #EXIT_ORPHANED}.
 *
 * <p>Both sides use {@link #JSON}, a plain mapper, so that the protocol does not depend on the worker's Spring
 * configuration.
 */
final class SandboxProtocol {

    static final String REQUEST = "request.json";
    static final String OUTCOME = "outcome.json";
    /** {@code -XX:ErrorFile} pattern: the JVM writes its fatal error report here. */
    static final String ERROR_FILE = "hs_err_pid%p.log";
    static final String ERROR_FILE_PREFIX = "hs_err_pid";
    static final String PROGRESS_PREFIX = "@modelpress-progress ";

    static final int EXIT_SUCCEEDED = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_REJECTED = 2;
    /** The exit code {@code -XX:+ExitOnOutOfMemoryError} uses too. */
    static final int EXIT_OUT_OF_MEMORY = 3;
    static final int EXIT_ORPHANED = 4;

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** One progress update of the engine. */
    record Progress(String step, double fraction) {}

    private SandboxProtocol() {
    }

    static String progressLine(String step, double fraction) {
        return PROGRESS_PREFIX + JSON.writeValueAsString(new Progress(step, fraction));
    }

    /** @return the update a progress line carries; empty for any other line (or a garbled one) */
    static Optional<Progress> parseProgress(String line) {
        if (!line.startsWith(PROGRESS_PREFIX)) {
            return Optional.empty();
        }
        try {
            Progress progress = JSON.readValue(line.substring(PROGRESS_PREFIX.length()), Progress.class);
            return progress.step() == null ? Optional.empty() : Optional.of(progress);
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }
}
