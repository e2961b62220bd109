package com.modelpress.worker.sandbox;

import com.modelpress.engine.ProgressListener;

/** Where an {@link Engine} reports progress, and asks whether the attempt should go on. */
public interface EngineProgress extends ProgressListener {

    /** @throws JobCancelledException when the job was cancelled */
    void checkCancelled(String during);
}
