package com.modelpress.worker.run;

import com.modelpress.engine.ProgressListener;

/** Where an {@link Engine} reports progress, and asks whether the attempt should go on. */
interface EngineProgress extends ProgressListener {

    /** @throws JobCancelledException when the job was cancelled */
    void checkCancelled(String during);
}
