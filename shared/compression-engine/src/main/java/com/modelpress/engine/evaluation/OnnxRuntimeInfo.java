package com.modelpress.engine.evaluation;

import ai.onnxruntime.OrtEnvironment;

/** Facts about the ONNX Runtime the engine scores models with. */
public final class OnnxRuntimeInfo {

    private OnnxRuntimeInfo() {
    }

    /** The native ONNX Runtime version, e.g. {@code 1.29.0}. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }
}
