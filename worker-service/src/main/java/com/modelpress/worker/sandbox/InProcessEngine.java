package com.modelpress.worker.sandbox;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.InvalidTextException;
import com.modelpress.engine.ProgressListener;
import com.modelpress.tokenizer.UnsupportedTokenizerException;
import com.modelpress.worker.failure.InvalidTextInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Runs the engine in the worker's own JVM ({@code modelpress.worker.sandbox.enabled=false}): no memory limit of
 * its own, a native crash takes the worker down, and the time limit is checked at progress callbacks only (the
 * engine calls back once per weight tensor and once per evaluation run).
 *
 * <p>Thread-safe: holds only a clock.
 */
public final class InProcessEngine implements Engine {

    private final Clock clock;

    public InProcessEngine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public FidelityReport run(EngineTask task, Path scratch, Instant deadline, EngineProgress progress)
            throws IOException, EngineFailureException, InvalidTextInputException {
        ProgressListener timed = (step, fraction) -> {
            progress.onProgress(step, fraction);
            if (clock.instant().isAfter(deadline)) {
                throw new DeadlineReached(step);
            }
        };
        try {
            return task.compressor().compress(task.model(), task.output(), task.method(), timed);
        } catch (InvalidTextException e) {
            throw new InvalidTextInputException(InvalidTextInputException.TEXT, e.getMessage());
        } catch (UnsupportedTokenizerException e) {
            throw new InvalidTextInputException(InvalidTextInputException.TOKENIZER, e.getMessage());
        } catch (DeadlineReached e) {
            throw new EngineFailureException(EngineFailureException.Kind.TIMED_OUT,
                    "the job ran longer than max-job-duration; it was stopped during " + e.step);
        }
    }

    /** Unchecked, to leave the engine from inside a progress callback. */
    private static final class DeadlineReached extends RuntimeException {

        private final String step;

        DeadlineReached(String step) {
            super(null, null, false, false);
            this.step = step;
        }
    }
}
