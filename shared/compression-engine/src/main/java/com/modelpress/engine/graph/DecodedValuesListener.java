package com.modelpress.engine.graph;

import java.io.IOException;

/**
 * Hears, for each rewritten weight that can be swapped back into the original model, the float values the rewritten
 * model computes with. Used to score one compressed tensor at a time without writing a model per tensor.
 *
 * <p>Told only about initializers of the main graph: weights in {@code Constant} nodes or in subgraphs cannot be
 * overridden in an ONNX Runtime session, and are measured by rewriting instead.
 */
@FunctionalInterface
public interface DecodedValuesListener {

    /**
     * @param name     the weight's name in the original model
     * @param dims     its shape
     * @param dataType the ONNX data type it is stored in (FLOAT, FLOAT16 or BFLOAT16): the type a replacement must have
     * @param values   row-major values in that shape; the listener may keep a reference only for this call
     */
    void decoded(String name, long[] dims, int dataType, float[] values) throws IOException;
}
