package com.modelpress.worker.sandbox;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.worker.failure.InvalidTextInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Runs the engine on one attempt's {@link EngineTask}: in a child JVM ({@link SandboxedEngine}, the default) or
 * in the worker's own JVM ({@link InProcessEngine}).
 */
public sealed interface Engine permits InProcessEngine, SandboxedEngine {

    /**
     * @param scratch  an empty folder the attempt owns and deletes afterwards
     * @param deadline when the attempt's time is up
     * @return the report; the compressed model is at {@link EngineTask#output()}, its external data beside it
     * @throws com.modelpress.engine.InvalidModelException     when the engine finds the model unusable
     * @throws com.modelpress.engine.UnsupportedModelException when the engine cannot handle the model
     * @throws EngineFailureException when the engine crashed, ran out of memory or out of time
     * @throws EngineErrorException   when the engine failed in a way another attempt might not (child JVM only;
     *                                in-process such exceptions pass through as they are)
     * @throws InvalidTextInputException when the job's tokenizer or a text cannot be used with the model
     * @throws JobCancelledException  when the job was cancelled meanwhile
     */
    FidelityReport run(EngineTask task, Path scratch, Instant deadline, EngineProgress progress)
            throws IOException, EngineFailureException, EngineErrorException, InvalidTextInputException;
}
